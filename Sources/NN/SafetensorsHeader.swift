import Foundation

/// A parsed and checked safetensors header: every tensor entry well-formed, with a supported
/// dtype and a byte span matching its shape.
struct SafetensorsHeader {
    struct Entry {
        let name: String
        let dtype: SafetensorsDType
        let shape: [Int]
        /// Byte offsets into the data section.
        let begin: Int
        let end: Int
    }

    let source: String
    /// Sorted by name.
    let entries: [Entry]
    let metadata: [String: String]

    init(json bytes: Data, source: String) throws {
        self.source = source
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: bytes)
        } catch {
            throw CheckpointError.invalidHeader(source: source, reason: "not valid JSON (\(error))")
        }
        guard let fields = object as? [String: Any] else {
            throw CheckpointError.invalidHeader(source: source, reason: "the JSON is not an object")
        }
        var metadata: [String: String] = [:]
        var entries: [Entry] = []
        for name in fields.keys.sorted() {
            let value = fields[name]!
            if name == Safetensors.metadataKey {
                guard let pairs = value as? [String: Any] else {
                    throw CheckpointError.invalidHeader(source: source, reason: "__metadata__ is not an object")
                }
                for (key, v) in pairs {
                    guard let s = v as? String else {
                        throw CheckpointError.invalidHeader(source: source, reason: "__metadata__ value of '\(key)' is not a string")
                    }
                    metadata[key] = s
                }
            } else {
                entries.append(try Self.entry(name: name, value, source: source))
            }
        }
        self.entries = entries
        self.metadata = metadata
    }

    private static func entry(name: String, _ value: Any, source: String) throws -> Entry {
        func invalid(_ reason: String) -> CheckpointError { .invalidTensorEntry(source: source, tensor: name, reason: reason) }
        guard let fields = value as? [String: Any] else { throw invalid("the entry is not a JSON object") }
        guard let dtypeName = fields["dtype"] as? String else { throw invalid("missing or non-string \"dtype\"") }
        guard let shape = integers(fields["shape"]), shape.allSatisfy({ $0 >= 0 }) else {
            throw invalid("\"shape\" is not an array of non-negative integers")
        }
        guard let offsets = integers(fields["data_offsets"]), offsets.count == 2, offsets[0] >= 0, offsets[0] <= offsets[1] else {
            throw invalid("\"data_offsets\" is not [begin, end] with 0 ≤ begin ≤ end")
        }
        guard let dtype = SafetensorsDType(rawValue: dtypeName) else {
            throw CheckpointError.unsupportedDType(source: source, tensor: name, dtype: dtypeName)
        }
        var bytes = dtype.byteSize
        for d in shape {
            let (product, overflow) = bytes.multipliedReportingOverflow(by: d)
            guard !overflow else { throw invalid("shape \(shape) is too large") }
            bytes = product
        }
        guard offsets[1] - offsets[0] == bytes else {
            throw CheckpointError.byteCountMismatch(source: source, tensor: name, shape: shape, dtype: dtypeName,
                                                    expected: bytes, actual: offsets[1] - offsets[0])
        }
        return Entry(name: name, dtype: dtype, shape: shape, begin: offsets[0], end: offsets[1])
    }

    /// A JSON array of integers (not floats, not booleans), or nil.
    private static func integers(_ value: Any?) -> [Int]? {
        guard let array = value as? [Any] else { return nil }
        var out: [Int] = []
        for element in array {
            // Booleans are NSNumbers too (of Objective-C type "c"); `as? Int` refuses fractions.
            guard let number = element as? NSNumber, String(cString: number.objCType) != "c",
                  let value = element as? Int
            else { return nil }
            out.append(value)
        }
        return out
    }

    /// The tensors must tile the data section exactly: no overlap, no gap, nothing after.
    /// A file whose tensors are laid out consistently but end early is reported as truncated.
    func validateLayout(dataBytes: Int) throws {
        let byOffset = entries.sorted { ($0.begin, $0.end) < ($1.begin, $1.end) }
        var expected = 0
        var previous: Entry?
        var contiguous = true
        for entry in byOffset {
            if let previous, entry.begin < previous.end {
                throw CheckpointError.overlappingTensors(source: source, first: previous.name, second: entry.name)
            }
            if entry.begin != expected { contiguous = false }
            expected = entry.end
            previous = entry
        }
        if expected > dataBytes {
            if contiguous {
                throw CheckpointError.truncated(
                    source: source, reason: "the header describes \(expected) bytes of tensor data, the file holds \(dataBytes)")
            }
            let outside = byOffset.first { $0.end > dataBytes }!
            throw CheckpointError.offsetsOutOfRange(source: source, tensor: outside.name, begin: outside.begin,
                                                    end: outside.end, dataBytes: dataBytes)
        }
        if !contiguous {
            throw CheckpointError.invalidLayout(source: source, reason: "the tensor data has gaps between the tensors")
        }
        if expected < dataBytes {
            throw CheckpointError.invalidLayout(source: source, reason: "\(dataBytes - expected) bytes follow the last tensor")
        }
    }
}
