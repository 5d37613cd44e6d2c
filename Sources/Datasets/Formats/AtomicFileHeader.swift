/// RecBole's atomic-file column types: `name:token`, `name:float`, `name:token_seq`, `name:float_seq`.
public enum ColumnType: String, Sendable, CaseIterable {
    case token
    case float
    case tokenSequence = "token_seq"
    case floatSequence = "float_seq"
}

/// One typed column of an atomic file's header.
public struct ColumnSpec: Sendable, Equatable {
    public var name: String
    public var type: ColumnType
    public init(name: String, type: ColumnType) { self.name = name; self.type = type }

    /// The header field `name:type`, as `parse` reads it.
    public var headerField: String { "\(name):\(type.rawValue)" }
}

extension ColumnSpec {
    /// Parses `user_id:token`; the error says which types exist.
    static func parse(_ text: String, file: String, column: Int) throws(DatasetError) -> ColumnSpec {
        let parts = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty else {
            throw .csv(file: file, line: 1, column: column,
                       message: "header field \"\(text)\" is not name:type (types: \(ColumnType.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        guard let type = ColumnType(rawValue: String(parts[1])) else {
            throw .csv(file: file, line: 1, column: column,
                       message: "unknown column type \"\(parts[1])\" in \"\(text)\"; valid types: \(ColumnType.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return ColumnSpec(name: String(parts[0]), type: type)
    }
}
