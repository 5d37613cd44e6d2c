import Foundation
import Datasets
import Models
import Support

/// `fusionlab score`: every sample of a dataset folder (or of a file of samples) scored by a run
/// folder, streamed in chunks of `RunScorer.batchSize` samples — memory holds the dataset's
/// tables and one chunk's inputs, whatever the number of samples — into a CSV published only
/// when complete.
public struct ScoringJob: Sendable {
    public var data: String
    /// A labels.csv-shaped file of samples to score instead of the dataset's labels.csv.
    public var samples: String?
    /// Only the samples the run's split put in this part, scored in the run's own batches: the
    /// run's `predictions.csv` scores, bit for bit, for valid and test.
    public var split: SplitRole?
    public var output: String
    public var attribution = true

    public init(data: String, samples: String? = nil, split: SplitRole? = nil, output: String, attribution: Bool = true) {
        self.data = data; self.samples = samples; self.split = split; self.output = output; self.attribution = attribution
    }

    /// `train`, `valid` or `test`.
    public static func part(named name: String) -> SplitRole? { SplitRole.allCases.first { $0.description == name } }
}

/// What a scoring job did, for the closing report.
public struct ScoringSummary: Sendable {
    public var samples = 0
    public var predictedPositive = 0
    /// Per modality the model reads: how many samples lacked it (scored with it masked).
    public var missing: [(Modality, Int)] = []
    public var seconds = 0.0
    /// Events the dataset dropped because their user or item has no row (`missing_entities: drop`).
    public var droppedEvents = 0
}

extension RunScorer {
    /// The header of a scores file: `predictions.csv`'s columns, the explanation columns, then
    /// attribution and what was missing.
    public func header(split: Bool, attribution: Bool) -> [String] {
        ["sample_id"] + (split ? ["split"] : []) + ["label", "anomaly_type", "score", "predicted"] + surpriseColumns.map { "surprise_" + $0 }
            + (surpriseColumns.isEmpty ? [] : ["failed_checks", "explanation"])
            + (attribution ? attributionColumns.map { "attribution_" + $0 } : []) + ["missing_modalities"]
    }

    /// One scores-file row of `s` (fields in `header`'s order).
    public func row(_ s: SampleScore, split: Bool, attribution: Bool) -> [String] {
        var fields = [s.sampleID]
        if split { fields.append(s.split?.description ?? "") }
        fields.append(s.label.map { CSVTable.number(Double($0)) } ?? "")
        fields += [s.anomalyType, CSVTable.number(s.score), s.predicted ? "1" : "0"]
        fields += s.surprises.map { $0.map { CSVTable.number(Double($0)) } ?? "" }
        if !surpriseColumns.isEmpty {
            let checks: [String] = s.failedChecks.map { String(format: "%@ (p%.1f)", $0.check, 100 * $0.percentile) }
            fields += [checks.joined(separator: "; "), s.explanation]
        }
        if attribution { fields += s.attribution.map { CSVTable.number($0) } }
        fields.append(s.missingModalities.map(\.rawValue).joined(separator: "+"))
        return fields
    }

    /// Scores `job`'s samples into `job.output`; `progress(done, total)` after every chunk.
    public func score(_ job: ScoringJob, progress: (Int, Int) -> Void = { _, _ in }) throws -> ScoringSummary {
        let began = Date()
        let data = try data(folder: job.data, samples: job.samples)
        let count = data.samples.rowCount
        var rows = Array(0..<count)
        var roles: [SplitRole]?
        var given: [Int: SurpriseRecord] = [:]
        if let split = job.split {
            guard data.samples.hasColumn("label") else {
                throw DatasetError.invalid(file: data.samples.file, message: "--split needs the samples' labels (the run's split is made from them); this file has no label column")
            }
            let all = try data.splitRoles()
            roles = all
            rows = rows.filter { all[$0] == split }
            // The run judged its non-training samples together, in batches of 512 in order;
            // judge them so again, keeping what the chosen part needs.
            if artefacts.consistency != nil {
                let judged = (0..<count).filter { split == .train ? all[$0] == .train : all[$0] != .train }
                let wanted = Set(rows)
                for start in stride(from: 0, to: judged.count, by: Self.batchSize) {
                    let chunk = Array(judged[start..<min(start + Self.batchSize, judged.count)])
                    let prepared = try prepare(chunk, of: data)
                    guard let fit = try surprises(BatchBuilder(dataset: prepared, images: try images(for: prepared))) else { break }
                    for (k, row) in chunk.enumerated() where wanted.contains(row) { given[row] = SurpriseRecord(fit, sample: k) }
                }
            }
        }
        let stream = try DurableFile.Stream(path: job.output)
        let withSplit = job.split != nil
        var summary = ScoringSummary()
        var missing = [Int](repeating: 0, count: Modality.allCases.count)
        summary.droppedEvents = data.droppedEvents
        try stream.write(Array((header(split: withSplit, attribution: job.attribution).map(CSVTable.quote).joined(separator: ",") + "\n").utf8))
        progress(0, rows.count)
        for start in stride(from: 0, to: rows.count, by: Self.batchSize) {
            let chunk = Array(rows[start..<min(start + Self.batchSize, rows.count)])
            let prepared = try prepare(chunk, of: data, roles: roles.map { r in chunk.map { r[$0] } })
            let surprises = given.isEmpty ? nil : SurpriseRecord.fit(chunk.map { given.removeValue(forKey: $0)! }, scorer: self)
            var text = ""
            for var s in try score(prepared, surprises: surprises, attribution: job.attribution) {
                if let roles { s.split = roles[chunk[summary.samples - start]] }
                summary.samples += 1
                if s.predicted { summary.predictedPositive += 1 }
                for m in s.missingModalities { missing[m.index] += 1 }
                text += row(s, split: withSplit, attribution: job.attribution).map(CSVTable.quote).joined(separator: ",") + "\n"
            }
            try stream.write(Array(text.utf8))
            progress(summary.samples, rows.count)
        }
        try stream.commit()
        summary.missing = modalities.map { ($0, missing[$0.index]) }
        summary.seconds = Date().timeIntervalSince(began)
        return summary
    }

    func images(for prepared: PreparedDataset) throws -> ImageStore? {
        heads?.model.modalities.contains(.image) == true || modalities.contains(.image)
            ? try ImageStore(dataset: prepared, imageSize: options.images.size, normalization: options.images.channelNormalization,
                             policy: options.images.missingPolicy, maxPixels: options.images.maxPixels)
            : nil
    }
}

/// One sample's consistency output, kept between the batch that judged it and the batch that scores it.
struct SurpriseRecord {
    var values: [Float], present: [Float], likeliest: [Int32], worstEvent: [Int32], judgedEvents: [Int32]

    init(_ fit: ConsistencyFit, sample k: Int) {
        let h = fit.raw.heads.count, range = (k * h)..<((k + 1) * h)
        values = Array(fit.raw.values[range]); present = Array(fit.raw.present[range]); likeliest = Array(fit.likeliest[range])
        worstEvent = fit.worstEvent.isEmpty ? [] : Array(fit.worstEvent[range])
        judgedEvents = fit.judgedEvents.isEmpty ? [] : Array(fit.judgedEvents[range])
    }

    /// The records of a batch's samples, in order, as one fit.
    static func fit(_ records: [SurpriseRecord], scorer: RunScorer) -> ConsistencyFit? {
        guard let heads = scorer.heads, let c = scorer.artefacts.consistency else { return nil }
        var fit = ConsistencyFit(specs: heads.specs, raw: SurpriseTable(heads: c.columns, values: records.flatMap(\.values), present: records.flatMap(\.present)),
                                 trainingSurprises: c.trainingSurprises, likeliest: records.flatMap(\.likeliest))
        fit.worstEvent = records.flatMap(\.worstEvent)
        fit.judgedEvents = records.flatMap(\.judgedEvents)
        return fit
    }
}
