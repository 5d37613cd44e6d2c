/// The rules for values that hold in every table (docs/DATASETS.md, "Missing and invalid
/// values"): a required column has a value in every row, and a required number is finite; an
/// optional float may be missing (empty or `nan`) but never infinite. Checked from the fields the
/// reader noted (`Column.firstMissing`, `firstInfinite`), so no pass over the values is needed.
/// Rows given in memory (a scoring request's) are refused with the same messages.
public enum ValueRules {
    /// A required token column without a value.
    public static func emptyRequired(_ name: String, file: String) -> String { "\(name) is empty; every row of \(file) needs one" }

    /// A required number column without a finite value (`found`: what was there).
    public static func notFiniteRequired(_ name: String, found: String) -> String { "\(name) must be a finite number, found \(found)" }


    /// Throws for the first field, in file order, that breaks a rule. `required` names the
    /// columns that must have a value in every row (they must exist: `require` ran first).
    static func check(_ table: AtomicTable, required: Set<String>) throws(DatasetError) {
        var problems: [(site: FieldSite, message: String)] = []
        for column in table.columns {
            let name = column.name
            switch column.spec.type {
            case .token where required.contains(name):
                if let site = column.firstMissing {
                    problems.append((site, emptyRequired(name, file: table.file)))
                }
            case .float where required.contains(name):
                if let site = FieldSite.first(column.firstMissing, column.firstInfinite) {
                    problems.append((site, notFiniteRequired(name, found: found(site, infinite: site == column.firstInfinite))))
                }
            case .float, .floatSequence:
                if let site = column.firstInfinite {
                    problems.append((site, "\(name) must be a finite number (or empty for a missing value), found \(found(site, infinite: true))"))
                }
            case .token, .tokenSequence:
                break
            }
        }
        if let first = problems.min(by: { ($0.site.line, $0.site.column) < ($1.site.line, $1.site.column) }) {
            throw .csv(file: table.file, line: first.site.line, column: first.site.column, message: first.message)
        }
    }

    /// The field's text, and why a number that does not say "inf" is infinite.
    private static func found(_ site: FieldSite, infinite: Bool) -> String {
        site.quoted + (infinite && !site.text.lowercased().contains("inf") ? ", which is too large for a double" : "")
    }

    /// A table with a header but no rows is a mistake (a truncated export, the wrong file), not
    /// an empty dataset to train on.
    static func checkHasRows(_ table: AtomicTable, what: String) throws(DatasetError) {
        guard table.rowCount == 0 else { return }
        throw .invalid(file: table.file, message: "has a header but no rows; it must hold at least one \(what)")
    }
}
