/// Everything that can be wrong with a dataset, each naming where (file, line, column or item).
public enum DatasetError: Error, CustomStringConvertible, Equatable {
    /// Lines and columns are 1-based, as an editor shows them.
    case csv(file: String, line: Int, column: Int, message: String)
    case missingFile(path: String, hint: String)
    case missingColumn(file: String, column: String, hint: String)
    case duplicateID(file: String, line: Int, id: String, firstLine: Int)
    case invalid(file: String, message: String)

    public var description: String {
        switch self {
        case let .csv(file, line, column, message): "\(file):\(line):\(column): \(message)"
        case let .missingFile(path, hint): "\(path): file not found. \(hint)"
        case let .missingColumn(file, column, hint): "\(file): required column \"\(column)\" is missing. \(hint)"
        case let .duplicateID(file, line, id, firstLine): "\(file):\(line): duplicate id \"\(id)\" (first seen on line \(firstLine))"
        case let .invalid(file, message): "\(file): \(message)"
        }
    }
}
