/// Tables built in memory rather than read (samples a program hands over to score), with the
/// same column types as a file's.
extension AtomicTable {
    public init(file: String, columns: [Column]) {
        self.init(file: file, columns: columns, lines: (0..<(columns.first.map { Self.count($0.values) } ?? 0)).map { Int32($0 + 1) })
    }

    static func count(_ values: ColumnValues) -> Int {
        switch values {
        case let .tokens(v): v.count
        case let .floats(v): v.count
        case let .tokenSequences(offsets, _), let .floatSequences(offsets, _): max(offsets.count - 1, 0)
        }
    }
}

extension Column {
    /// A `:token` column; nil is a missing value.
    public static func tokens(_ name: String, _ values: [String?]) -> Column {
        var interner = TokenInterner(capacity: max(values.count, 1))
        let ids = values.map { $0.map { interner.intern($0) } ?? -1 }
        return Column(spec: ColumnSpec(name: name, type: .token), values: .tokens(ids), tokens: interner, firstMissing: nil, firstInfinite: nil)
    }

    /// A `:float` column; NaN is a missing value.
    public static func floats(_ name: String, _ values: [Double]) -> Column {
        Column(spec: ColumnSpec(name: name, type: .float), values: .floats(values), tokens: TokenInterner(capacity: 1), firstMissing: nil, firstInfinite: nil)
    }
}
