/// Each sample's image as `fusionlab prepare` decoded, resized and normalised it, read from the
/// cache's `images` column one plane at a time.
public final class CachedImages: ImageProvider {
    public let imageSize: Int
    private let columns: CachedColumns
    private let slotOfSample: [Int32]
    private let failure: [Int: String]
    /// Samples whose image could not be decoded when the cache was prepared (masked), with the reason.
    public private(set) var masked: [(sample: Int, reason: String)] = []

    /// Nil when the cache holds no images (the dataset has none).
    public init?(dataset: PreparedDataset) throws(CacheError) {
        guard let columns = dataset.onDisk, let facts = dataset.cachedImages else { return nil }
        self.columns = columns
        imageSize = facts.size
        slotOfSample = try columns.readAll("image_slot", as: Int32.self)
        failure = Dictionary(facts.failed.map { ($0.slot, $0.reason) }, uniquingKeysWith: { a, _ in a })
    }

    public func fill(sample i: Int, into destination: UnsafeMutablePointer<Float>) throws -> Bool {
        let slot = Int(slotOfSample[i])
        guard slot >= 0 else { return false }
        if let reason = failure[slot] {
            masked.append((i, reason))
            return false
        }
        try columns.gather("images", samples: [slot], into: UnsafeMutableRawPointer(destination))
        return true
    }
}
