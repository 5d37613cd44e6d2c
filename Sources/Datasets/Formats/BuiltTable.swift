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

extension Column {
    /// A `:token_seq` column.
    public static func tokenSequences(_ name: String, _ values: [[String]]) -> Column {
        var interner = TokenInterner(capacity: max(values.count, 1))
        var offsets: [Int32] = [0], ids: [Int32] = []
        for row in values {
            ids += row.map { interner.intern($0) }
            offsets.append(Int32(ids.count))
        }
        return Column(spec: ColumnSpec(name: name, type: .tokenSequence), values: .tokenSequences(offsets: offsets, ids: ids), tokens: interner,
                      firstMissing: nil, firstInfinite: nil)
    }

    /// A `:float_seq` column.
    public static func floatSequences(_ name: String, _ values: [[Double]]) -> Column {
        var offsets: [Int32] = [0], flat: [Double] = []
        for row in values {
            flat += row
            offsets.append(Int32(flat.count))
        }
        return Column(spec: ColumnSpec(name: name, type: .floatSequence), values: .floatSequences(offsets: offsets, values: flat),
                      tokens: TokenInterner(capacity: 1), firstMissing: nil, firstInfinite: nil)
    }

    /// Row `r`'s value, nil when missing (an empty token, a NaN float).
    func value(row r: Int) -> FieldValue? {
        switch values {
        case let .tokens(ids): ids[r] >= 0 ? .token(tokens.string(ids[r])) : nil
        case let .floats(v): v[r].isNaN ? nil : .float(v[r])
        case let .tokenSequences(offsets, ids): .tokens(ids[Int(offsets[r])..<Int(offsets[r + 1])].map { $0 >= 0 ? tokens.string($0) : "" })
        case let .floatSequences(offsets, v): .floats(Array(v[Int(offsets[r])..<Int(offsets[r + 1])]))
        }
    }
}

extension AtomicTable {
    /// A table of `specs`' columns holding `rows` (a column a row lacks, or holds with another
    /// type, is a missing value there: callers check types first).
    public init(file: String, specs: [ColumnSpec], rows: [InlineRow]) {
        let columns = specs.map { spec -> Column in
            switch spec.type {
            case .token: return .tokens(spec.name, rows.map { if case let .token(t)? = $0[spec.name], !t.isEmpty { t } else { nil } })
            case .float: return .floats(spec.name, rows.map { if case let .float(v)? = $0[spec.name] { v } else { .nan } })
            case .tokenSequence: return .tokenSequences(spec.name, rows.map { if case let .tokens(t)? = $0[spec.name] { t } else { [] } })
            case .floatSequence: return .floatSequences(spec.name, rows.map { if case let .floats(v)? = $0[spec.name] { v } else { [] } })
            }
        }
        self.init(file: file, columns: columns, lines: (0..<rows.count).map { Int32($0 + 1) })
    }

    /// Row `r` as an in-memory row (its missing values left out).
    public func row(_ r: Int) -> InlineRow {
        var row: InlineRow = [:]
        for c in columns { if let v = c.value(row: r) { row[c.name] = v } }
        return row
    }

    /// The columns' names and types.
    public var specs: [ColumnSpec] { columns.map(\.spec) }
}
