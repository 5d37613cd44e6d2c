import Foundation
import Datasets
import Support

/// A study's plan as JSON: what `fusionlab plan --format json` prints and `<study>/plan.json`
/// records (the folder itself is where the file is, so it is not written down).
extension StudyPlan {
    public var json: JSONValue {
        let ablation: JSONValue = selectedAblation.map { a in
            ["mode": .array(a.modes.map { .string($0.rawValue) }), "masked": .bool(a.masked),
             "seeds": a.seeds.map { .array($0.map { .number(Double($0)) }) } ?? .null]
        } ?? .null
        return [
            "format": 1,
            "study": .string(name),
            "table": .string(tables.file),
            "rows": .array(tables.order.map { .string($0) }),
            "select": tables.selection.map { ["metric": .string($0.metric)] } ?? .null,
            "select_ablate": ablation,
            "modalities": .array(tables.modalities.map { .string($0.rawValue) }),
            "count": .number(Double(runs.count)),
            "runs": .array(runs.map(\.json)),
        ]
    }

    /// Writes `<directory>/plan.json` (atomically).
    public func write() throws {
        try DurableFile.createDirectory(directory)
        try DurableFile.write(json.rendered() + "\n", to: (directory as NSString).appendingPathComponent(Self.file))
    }

    /// The plan recorded in the study folder `directory`, or nil if it has none.
    public static func recorded(in directory: String) throws -> StudyPlan? {
        let path = (directory as NSString).appendingPathComponent(file)
        guard let json = try ResultFileError.readJSON(path) else { return nil }
        func fail(_ what: String) -> ResultFileError { ResultFileError(path: path, "\(what) (written by another FusionLab version?)") }
        guard json["format"]?.intValue == 1 else { throw fail("unknown format") }
        guard let name = json["study"]?.stringValue, let file = json["table"]?.stringValue,
              let rows = json["rows"]?.arrayValue?.compactMap(\.stringValue),
              let modalities = json["modalities"]?.arrayValue?.compactMap({ $0.stringValue.flatMap(Modality.init(rawValue:)) }),
              let runs = json["runs"]?.arrayValue else { throw fail("lacks study, table, rows, modalities or runs") }
        var ablation: ModelSelection.Ablation?
        if let a = json["select_ablate"], a != .null {
            ablation = ModelSelection.Ablation(modes: a["mode"]?.arrayValue?.compactMap { $0.stringValue.flatMap(AblationMode.init(rawValue:)) } ?? [],
                                               masked: a["masked"]?.boolValue ?? false, seeds: a["seeds"]?.arrayValue?.compactMap(\.intValue))
        }
        let selection = json["select"]?["metric"]?.stringValue.map { ModelSelection(metric: $0, ablation: ablation) }
        var planned: [PlannedRun] = []
        for run in runs {
            guard let run = PlannedRun(json: run) else { throw fail("has a run without id, row or seed") }
            planned.append(run)
        }
        return StudyPlan(name: name, directory: directory, runs: planned,
                             tables: StudyTables(directory: directory, order: rows, file: file, selection: selection, modalities: modalities),
                             selectedAblation: ablation)
    }
}

extension PlannedRun {
    var json: JSONValue {
        ["id": .string(id), "row": .string(row), "variant": variant.map { .string($0) } ?? .null,
         "modalities": modalities.map { .array($0.map { .string($0.rawValue) }) } ?? .null,
         "seed": .number(Double(seed)), "fold": fold.map { .number(Double($0)) } ?? .null, "masked": .bool(masked)]
    }

    init?(json: JSONValue) {
        guard let id = json["id"]?.stringValue, let row = json["row"]?.stringValue, let seed = json["seed"]?.intValue else { return nil }
        self.init(id: id, row: row, variant: json["variant"]?.stringValue,
                  modalities: json["modalities"]?.arrayValue.map { $0.compactMap { $0.stringValue.flatMap(Modality.init(rawValue:)) } },
                  seed: seed, fold: json["fold"]?.intValue, masked: json["masked"]?.boolValue ?? false)
    }
}
