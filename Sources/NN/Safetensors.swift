import Foundation
import Tensor
import Support

/// Reads and writes the safetensors format (Hugging Face), so checkpoints open in PyTorch
/// (`safetensors.torch.load_file`) and PyTorch weights open here:
///
///     8 bytes   header length N, little-endian UInt64
///     N bytes   UTF-8 JSON: {"__metadata__": {string: string},
///                            "name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, ...}
///               padded with spaces to a multiple of 8
///     rest      raw little-endian tensor data; offsets count from the first byte after the header
///
/// Writing puts tensors in sorted-name order, back to back, in F32, into a temporary file in
/// the same directory that is then renamed over the target (a crash never leaves half a file).
/// Reading converts F32, F64, F16 and BF16 to Float32 and validates every field against the
/// file with a `CheckpointError` naming the file and the tensor.
public enum Safetensors {
    /// Largest header accepted, as in the reference implementation.
    public static let maximumHeaderBytes = 100_000_000
    static let metadataKey = "__metadata__"

    // MARK: Writing

    public static func write(_ tensors: [(String, Tensor)], metadata: [String: String] = [:], to url: URL) throws {
        try write(tensors, metadata: metadata, to: url.path)
    }

    public static func write(_ tensors: [(String, Tensor)], metadata: [String: String] = [:], to path: String) throws {
        var seen = Set<String>()
        for (name, _) in tensors {
            if name.isEmpty || name == metadataKey {
                throw CheckpointError.invalidTensorName(source: path, tensor: name,
                                                        reason: name.isEmpty ? "empty" : "reserved for metadata")
            }
            guard seen.insert(name).inserted else { throw CheckpointError.duplicateTensor(source: path, tensor: name) }
        }
        let sorted = tensors.sorted { $0.0 < $1.0 }
        let header = encodeHeader(sorted, metadata: metadata)
        var prefix = Data(count: 8)
        prefix.withUnsafeMutableBytes { $0.storeBytes(of: UInt64(header.count).littleEndian, as: UInt64.self) }
        prefix.append(contentsOf: header)

        do {
            try DurableFile.write(to: path) { handle in
                try handle.write(contentsOf: prefix)
                for (_, tensor) in sorted where tensor.count > 0 {
                    // Float32 in memory is already little-endian on every supported platform.
                    try handle.write(contentsOf: Data(bytesNoCopy: UnsafeMutableRawPointer(tensor.pointer),
                                                      count: tensor.count * 4, deallocator: .none))
                }
            }
        } catch {
            throw CheckpointError.cannotWrite(source: path, reason: error.reason)
        }
    }

    /// The JSON header for tensors already in file order, space-padded to a multiple of 8.
    static func encodeHeader(_ tensors: [(String, Tensor)], metadata: [String: String]) -> [UInt8] {
        var parts: [String] = []
        if !metadata.isEmpty {
            let pairs = metadata.keys.sorted().map { "\(jsonString($0)):\(jsonString(metadata[$0]!))" }
            parts.append("\(jsonString(metadataKey)):{\(pairs.joined(separator: ","))}")
        }
        var offset = 0
        for (name, tensor) in tensors {
            let end = offset + tensor.count * 4
            let shape = tensor.shape.map(String.init).joined(separator: ",")
            parts.append("\(jsonString(name)):{\"dtype\":\"F32\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(end)]}")
            offset = end
        }
        var bytes = Array("{\(parts.joined(separator: ","))}".utf8)
        while bytes.count % 8 != 0 { bytes.append(0x20) }
        return bytes
    }

    /// A JSON string literal, as serde_json writes them (the one JSON quoting of the project).
    static func jsonString(_ s: String) -> String { JSONValue.quote(s) }

    // MARK: Reading

    public static func read(_ url: URL) throws -> (tensors: [String: Tensor], metadata: [String: String]) {
        try read(url.path)
    }

    public static func read(_ path: String) throws -> (tensors: [String: Tensor], metadata: [String: String]) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw CheckpointError.cannotRead(source: path, reason: "no such file")
        }
        guard !isDirectory.boolValue else { throw CheckpointError.cannotRead(source: path, reason: "is a directory") }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path), options: .mappedIfSafe)
        } catch {
            throw CheckpointError.cannotRead(source: path, reason: "\(error)")
        }
        return try decode(data, source: path)
    }

    /// Parses a whole safetensors file held in memory; `source` names it in errors.
    public static func decode(_ data: Data, source: String) throws -> (tensors: [String: Tensor], metadata: [String: String]) {
        guard data.count >= 8 else {
            throw CheckpointError.truncated(source: source, reason: "\(data.count) bytes, too short for the 8-byte header length")
        }
        let headerLength = data.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        guard headerLength <= UInt64(maximumHeaderBytes) else {
            throw CheckpointError.invalidHeader(source: source, reason: "header length \(headerLength) exceeds \(maximumHeaderBytes) bytes")
        }
        let headerEnd = 8 + Int(headerLength)
        guard headerEnd <= data.count else {
            throw CheckpointError.truncated(source: source, reason: "the header needs \(headerLength) bytes, only \(data.count - 8) follow")
        }
        let start = data.startIndex
        let header = try SafetensorsHeader(json: data[(start + 8)..<(start + headerEnd)], source: source)
        let dataBytes = data.count - headerEnd
        try header.validateLayout(dataBytes: dataBytes)

        var tensors: [String: Tensor] = [:]
        data.withUnsafeBytes { raw in
            let base = raw.baseAddress! + headerEnd
            for entry in header.entries {
                let tensor = Tensor(uninitializedShape: entry.shape)
                entry.dtype.convert(base + entry.begin, count: tensor.count, into: tensor.pointer)
                tensors[entry.name] = tensor
            }
        }
        return (tensors, header.metadata)
    }
}
