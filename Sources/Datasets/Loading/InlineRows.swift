/// One value of a row given in memory (a scoring request's), typed as a column of the dataset's
/// tables: `:token` a string, `:float` a number, `:token_seq` strings, `:float_seq` numbers.
public enum FieldValue: Sendable, Equatable {
    case token(String)
    case float(Double)
    case tokens([String])
    case floats([Double])
}

/// A row given in memory: column name → value. A column left out is a missing value (an empty
/// field of the file).
public typealias InlineRow = [String: FieldValue]

/// A sample's own rows, given in place of the dataset's: its user's users.csv row, its target
/// item's items.csv row, and the events of its sequence key (in file order; the timestamps
/// order them, ties keep this order). Each nil part is looked up in the dataset as usual.
public struct InlineRows: Sendable, Equatable {
    public var profile: InlineRow?
    public var attributes: InlineRow?
    public var events: [InlineRow]?

    public init(profile: InlineRow? = nil, attributes: InlineRow? = nil, events: [InlineRow]? = nil) {
        self.profile = profile; self.attributes = attributes; self.events = events
    }
}
