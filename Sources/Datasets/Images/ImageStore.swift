import Foundation

/// What to do when a sample's image is missing or cannot be decoded.
public enum MissingImagePolicy: String, Sendable, CaseIterable {
    /// Stop with an error naming the item and the file.
    case error
    /// Use a zero image and mask the image modality for that sample (counted in the run log).
    case mask
}

/// Decodes, resizes and normalises each item's image once, then serves it to every batch of
/// the run from a cache of normalised `[3, size, size]` floats.
public final class ImageStore: ImageProvider {
    public let imageSize: Int
    public let normalization: ChannelNormalization
    public let policy: MissingImagePolicy
    public let dataset: PreparedDataset
    /// Width × height above which a header is refused before decoding (`data.images.max_pixels`).
    public let maxPixels: Int
    private let files: DatasetImageFiles
    /// Samples whose image was missing or unreadable and got masked, with the reason.
    public private(set) var masked: [(sample: Int, reason: String)] = []
    public private(set) var decodedCount = 0
    /// Pictures given with samples (serving: a request's inline image), by sample: read in
    /// place of the sample's file, resized and normalised alike.
    public var given: [Int: RGBImage] = [:]

    private var slotOfPath: [String: Int] = [:]
    private var failedPaths: [String: String] = [:]
    private var cache: [Float] = []

    /// Resolves every sample's image path inside the dataset folder first, so a path that
    /// escapes it stops the run before training rather than at its first batch.
    public init(dataset: PreparedDataset, imageSize: Int, normalization: ChannelNormalization = .imageNet, policy: MissingImagePolicy,
                maxPixels: Int = ImageLimits.defaultMaxPixels) throws(ImageError) {
        self.dataset = dataset
        self.imageSize = imageSize
        self.normalization = normalization
        self.policy = policy
        self.maxPixels = maxPixels
        files = try DatasetImageFiles(folder: dataset.folder, imagePaths: dataset.imagePaths, targetItems: dataset.targetItems)
    }

    public func fill(sample i: Int, into destination: UnsafeMutablePointer<Float>) throws -> Bool {
        let plane = 3 * imageSize * imageSize
        if var image = given[i] {
            if image.width != imageSize || image.height != imageSize { image = image.resized(width: imageSize, height: imageSize) }
            image.writeNormalizedCHW(to: destination, normalization: normalization)
            return true
        }
        guard let relative = dataset.imagePaths[i] else { return false }
        if let slot = slotOfPath[relative] {
            cache.withUnsafeBufferPointer { destination.update(from: $0.baseAddress! + slot * plane, count: plane) }
            return true
        }
        if let reason = failedPaths[relative] {
            masked.append((i, reason))
            return false
        }
        do {
            var image = try files.decode(relative, itemID: dataset.targetItems[i], maxPixels: maxPixels)
            if image.width != imageSize || image.height != imageSize { image = image.resized(width: imageSize, height: imageSize) }
            let slot = slotOfPath.count
            cache.append(contentsOf: repeatElement(0, count: plane))
            cache.withUnsafeMutableBufferPointer { image.writeNormalizedCHW(to: $0.baseAddress! + slot * plane, normalization: normalization) }
            slotOfPath[relative] = slot
            decodedCount += 1
            cache.withUnsafeBufferPointer { destination.update(from: $0.baseAddress! + slot * plane, count: plane) }
            return true
        } catch {
            let message = error.description
            switch policy {
            case .error: throw error
            case .mask:
                failedPaths[relative] = message
                masked.append((i, message))
                return false
            }
        }
    }
}
