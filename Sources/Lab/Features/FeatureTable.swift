import Datasets
import Support

/// One exported feature: a number per sample (NaN = missing) or a raw token per sample
/// ("" = missing), which a tree model encodes as a categorical feature itself. The header types
/// it (`name:float`, `name:token`) so a reader never guesses a numeric-looking id into a number.
public struct FeatureColumn: Sendable {
    public enum Values: Sendable {
        case numbers([Double])
        case tokens([String])
    }

    public var name: String
    public var values: Values
    /// The modalities the feature reads (a modality ablation of a classical model drops the
    /// features of the modalities it leaves out); set by the export per group of columns.
    public var modalities: Set<Modality> = [.sequence]

    public init(_ name: String, numbers: [Double]) { self.name = name; values = .numbers(numbers) }
    public init(_ name: String, tokens: [String]) { self.name = name; values = .tokens(tokens) }

    /// The column, marked as reading `modalities`.
    func reading(_ modalities: Set<Modality>) -> FeatureColumn { var c = self; c.modalities = modalities; return c }

    public var numbers: [Double]? { if case let .numbers(v) = values { v } else { nil } }
    public var tokens: [String]? { if case let .tokens(v) = values { v } else { nil } }

    /// The column as the dataset format types it: numbers `float`, tokens `token`.
    public var spec: ColumnSpec {
        switch values {
        case .numbers: ColumnSpec(name: name, type: .float)
        case .tokens: ColumnSpec(name: name, type: .token)
        }
    }

    /// The CSV field of sample `i`: full-precision number or token; missing → empty.
    func field(_ i: Int) -> String {
        switch values {
        case let .numbers(v): v[i].isFinite ? CSVTable.number(v[i]) : ""
        case let .tokens(t): t[i]
        }
    }
}

/// Per-sample hand-made features with the run's split, label and anomaly type: what
/// `fusionlab features` writes for tree baselines.
public struct FeatureTable: Sendable {
    public var sampleIDs: [String]
    public var roles: [SplitRole]
    public var labels: [Float]
    /// "normal" for normal samples, as in predictions.csv.
    public var anomalyTypes: [String]
    public var columns: [FeatureColumn]

    /// Typed as labels.csv types them, so the file reads like the dataset's own atomic files.
    public static let leadingColumns = [ColumnSpec(name: "sample_id", type: .token), ColumnSpec(name: "split", type: .token),
                                        ColumnSpec(name: "label", type: .float), ColumnSpec(name: "anomaly_type", type: .token)]

    public var sampleCount: Int { sampleIDs.count }

    public func column(_ name: String) -> FeatureColumn? { columns.first { $0.name == name } }

    public func row(ofSample id: String) -> Int? { sampleIDs.firstIndex(of: id) }

    /// The whole table as CSV: a typed header (`sample_id:token,split:token,label:float,
    /// anomaly_type:token`, then `name:float` or `name:token` per feature), the leading columns,
    /// then every feature.
    public var csv: CSVTable {
        var table = CSVTable(header: (Self.leadingColumns + columns.map(\.spec)).map(\.headerField))
        for i in 0..<sampleCount {
            table.append([sampleIDs[i], roles[i].description, CSVTable.number(Double(labels[i])), anomalyTypes[i]]
                         + columns.map { $0.field(i) })
        }
        return table
    }

    /// Writes the CSV atomically (a reader never sees half a file).
    public func write(to path: String) throws(DurableFile.WriteError) { try csv.write(to: path) }
}
