/// Why a checkpoint (safetensors file, module weights or optimizer state) could not be read,
/// written or applied. `source` is the file path, or what was being loaded ("optimizer state").
public enum CheckpointError: Error, CustomStringConvertible, Equatable {
    case cannotRead(source: String, reason: String)
    case cannotWrite(source: String, reason: String)
    /// The file ends before what its header promises.
    case truncated(source: String, reason: String)
    /// The header is not the JSON object safetensors specifies.
    case invalidHeader(source: String, reason: String)
    /// One tensor's header entry is malformed (shape, offsets, fields).
    case invalidTensorEntry(source: String, tensor: String, reason: String)
    case unsupportedDType(source: String, tensor: String, dtype: String)
    case offsetsOutOfRange(source: String, tensor: String, begin: Int, end: Int, dataBytes: Int)
    case byteCountMismatch(source: String, tensor: String, shape: [Int], dtype: String, expected: Int, actual: Int)
    case overlappingTensors(source: String, first: String, second: String)
    /// Gaps or trailing bytes in the data section (the reference implementation rejects them too).
    case invalidLayout(source: String, reason: String)
    case duplicateTensor(source: String, tensor: String)
    case invalidTensorName(source: String, tensor: String, reason: String)
    case missingTensor(source: String, tensor: String, expectedShape: [Int])
    case unexpectedTensor(source: String, tensor: String, shape: [Int])
    case shapeMismatch(source: String, tensor: String, expected: [Int], actual: [Int])
    case invalidValue(source: String, tensor: String, reason: String)

    public var description: String {
        switch self {
        case let .cannotRead(source, reason): "cannot read \(source): \(reason)"
        case let .cannotWrite(source, reason): "cannot write \(source): \(reason)"
        case let .truncated(source, reason): "\(source) is truncated: \(reason)"
        case let .invalidHeader(source, reason): "\(source): invalid safetensors header: \(reason)"
        case let .invalidTensorEntry(source, tensor, reason): "\(source): tensor '\(tensor)': \(reason)"
        case let .unsupportedDType(source, tensor, dtype):
            "\(source): tensor '\(tensor)' has dtype \(dtype); supported are F32, F64, F16 and BF16"
        case let .offsetsOutOfRange(source, tensor, begin, end, dataBytes):
            "\(source): tensor '\(tensor)' data_offsets [\(begin), \(end)] lie outside the \(dataBytes)-byte data section"
        case let .byteCountMismatch(source, tensor, shape, dtype, expected, actual):
            "\(source): tensor '\(tensor)' of shape \(shape) and dtype \(dtype) needs \(expected) bytes, its offsets span \(actual)"
        case let .overlappingTensors(source, first, second):
            "\(source): the data of tensors '\(first)' and '\(second)' overlap"
        case let .invalidLayout(source, reason): "\(source): \(reason)"
        case let .duplicateTensor(source, tensor): "\(source): tensor '\(tensor)' appears twice"
        case let .invalidTensorName(source, tensor, reason): "\(source): invalid tensor name '\(tensor)': \(reason)"
        case let .missingTensor(source, tensor, expectedShape):
            "\(source) has no tensor '\(tensor)' (expected shape \(expectedShape))"
        case let .unexpectedTensor(source, tensor, shape):
            "\(source) has tensor '\(tensor)' (shape \(shape)) that the model does not have; load with strict: false to ignore it"
        case let .shapeMismatch(source, tensor, expected, actual):
            "\(source): tensor '\(tensor)' has shape \(actual), expected \(expected)"
        case let .invalidValue(source, tensor, reason): "\(source): tensor '\(tensor)': \(reason)"
        }
    }
}
