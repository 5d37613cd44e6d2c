import Foundation
import Testing
import Datasets
import Support
import Models
@testable import Lab

/// `training.objective`: self-supervised runs read no anomaly label; semi-supervised ones read a
/// stratified, seeded fraction of them.
@Suite(.serialized) struct SelfSupervisedRunTests {
    /// The tiny shop's heads: one per-sample head from attributes and one from the picture.
    static let heads = #"model.consistency.heads={"price_in_listing": {"from": ["attributes.category_id", "attributes.brand"], "predict": "attributes.price"}, "image_brand": {"from": "image", "predict": "attributes.brand"}}"#
    static let selfSupervised = ["training.objective=self_supervised", heads, "model.consistency.folds=2", "model.consistency.epochs=3"]

    func run(_ overrides: [String], data: String? = nil, seed: Int = 1) throws -> RunResult {
        let out = scratchDirectory()
        let runner = ExperimentRunner(config: try tinyConfig(out, overrides + (data.map { ["data.path=\($0)"] } ?? [])), reporter: { _ in })
        runner.interactive = false
        return try runner.run(seed: seed, fold: nil, resume: false)
    }

    /// predictions.csv's sample id and score columns (the label columns are the data's own).
    func scores(_ result: RunResult) -> [String] {
        read(result.directory + "/predictions.csv").split(separator: "\n").map { line in
            let cells = line.split(separator: ",", omittingEmptySubsequences: false)
            return "\(cells[0]),\(cells[1]),\(cells[4])"
        }
    }

    /// A copy of the tiny shop whose labels.csv went through `edit` (header and rows, cells split).
    func shopWithLabels(_ edit: (inout [String], inout [[String]]) -> Void) throws -> String {
        let folder = scratchDirectory() + "/shop"
        try FileManager.default.copyItem(atPath: tinyShop, toPath: folder)
        let path = folder + "/labels.csv"
        var lines = read(path).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        var header = lines.removeFirst()
        edit(&header, &lines)
        try ([header] + lines).map { $0.joined(separator: ",") }.joined(separator: "\n").appending("\n").write(toFile: path, atomically: true, encoding: .utf8)
        return folder
    }

    /// The acceptance test: with a split that reads no label (`time`), permuting the labels or
    /// erasing them (every label 0, every type `normal`: the loader requires the column for a
    /// training set) leaves every score byte-identical — with either next-event model (`auto`
    /// picks the first-order one on the tiny shop).
    @Test(arguments: ["auto", "learned"]) func permutingOrErasingTheLabelsChangesNoScore(nextEventModel: String) throws {
        let overrides = Self.selfSupervised + ["data.split.strategy=time", "training.next_event_model=\(nextEventModel)"]
        let original = try run(overrides)
        // Every component is among the scores compared: the behaviour aggregates' autoencoder too.
        #expect(read(original.directory + "/log.txt").contains("self-supervised: reconstruction.sequence: autoencoder on "))
        if nextEventModel == "learned" {
            #expect(read(original.directory + "/log.txt").contains("self-supervised: the learned next-event model"))
        }
        let labelColumns = { (header: [String]) in header.indices.filter { header[$0].hasPrefix("label") || header[$0].hasPrefix("anomaly_type") } }
        let permuted = try shopWithLabels { header, rows in
            var g = SystemRandomNumberGenerator()
            let order = rows.indices.shuffled(using: &g)
            let before = rows
            for column in labelColumns(header) { for r in rows.indices { rows[r][column] = before[order[r]][column] } }
            #expect(rows.map { $0[labelColumns(header)[0]] } != before.map { $0[labelColumns(header)[0]] })
        }
        let erased = try shopWithLabels { header, rows in
            let columns = labelColumns(header)
            #expect(columns.count == 2)
            for r in rows.indices { rows[r][columns[0]] = "0"; rows[r][columns[1]] = "normal" }
        }
        let a = scores(original)
        #expect(a.count > 300)
        #expect(scores(try run(overrides, data: permuted)) == a)
        // Without anomalies the metrics are undefined, but the scores are the same.
        #expect(scores(try run(overrides, data: erased)) == a)
    }

    /// Self-supervised training learns what normal rows look like: with the time split, every
    /// third user of the latest 30% of samples (validation and test) gets an implausible profile
    /// (planted anomalies, unknown to the run, absent from training); their samples score higher
    /// than the others. Each component's contribution is written per anomaly type.
    @Test func selfSupervisedScoresRankPlantedAnomaliesHigher() throws {
        let folder = scratchDirectory() + "/shop"
        try FileManager.default.copyItem(atPath: tinyShop, toPath: folder)
        let samples = read(folder + "/labels.csv").split(separator: "\n").dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let late = samples.sorted { Double($0[3])! < Double($1[3])! }.dropFirst(samples.count * 7 / 10)
        let planted = Set(late.enumerated().filter { $0.offset % 3 == 0 }.map { $0.element[1] })
        var users = read(folder + "/users.csv").split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let header = users[0].map { String($0.split(separator: ":")[0]) }
        let (age, orders, hour) = (header.firstIndex(of: "account_age_days")!, header.firstIndex(of: "past_orders")!, header.firstIndex(of: "active_hour_mean")!)
        for r in users.indices.dropFirst() where planted.contains(users[r][0]) { users[r][age] = "9000"; users[r][orders] = "400"; users[r][hour] = "3.5" }
        try users.map { $0.joined(separator: ",") }.joined(separator: "\n").appending("\n").write(toFile: folder + "/users.csv", atomically: true, encoding: .utf8)
        let userOfSample = Dictionary(uniqueKeysWithValues: samples.map { ($0[0], $0[1]) })
        let result = try run(Self.selfSupervised + ["data.split.strategy=time"], data: folder)
        let rows = read(result.directory + "/predictions.csv").split(separator: "\n").dropFirst().map { $0.split(separator: ",").map(String.init) }
            .filter { $0[1] != "train" }
        let isPlanted = rows.map { planted.contains(userOfSample[$0[0]]!) }
        #expect(isPlanted.filter { $0 }.count > 20 && isPlanted.contains(false))
        let curve = RankingCurve(scores: rows.map { Double($0[4])! }, labels: isPlanted)
        #expect((curve.rocAUC ?? 0) > 0.85, "\(curve.rocAUC ?? .nan)")

        let metrics = try JSONParser.parse(read(result.directory + "/metrics.json"))
        #expect(metrics["model_type"] == .string("self_supervised"))
        #expect(metrics["threshold_rule"]?.stringValue?.hasPrefix("contamination 0.1") == true)
        let attribution = read(result.directory + "/attribution_by_type.csv").split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        #expect(attribution.first?.prefix(3) == ["anomaly_type", "samples", "method"])
        #expect(Set(attribution.first!.dropFirst(3)).isSubset(of: ["consistency", "next_event", "reconstruction", "extremes", "alignment"]))
        #expect(attribution.first!.contains("reconstruction") && attribution.first!.contains("next_event") && attribution.first!.contains("extremes"))
        #expect(attribution.filter { $0.first == "all" }.map { $0[2] } == ["surprise_contribution", "surprise_share"])
        // Contributions add up to the score (components.csv).
        let components = read(result.directory + "/components.csv").split(separator: "\n").map { $0.split(separator: ",").map(String.init) }
        let width = attribution.first!.count - 3
        for row in components.dropFirst().prefix(50) {
            let parts = row[3..<(3 + width)].compactMap(Double.init)
            #expect(parts.count == width && abs(parts.reduce(0, +) - Double(row[2])!) < 1e-9)
        }
        // The label-free threshold flags about the contamination share of training samples.
        let training = read(result.directory + "/predictions.csv").split(separator: "\n").dropFirst().map { $0.split(separator: ",").map(String.init) }
            .filter { $0[1] == "train" }
        let flagged = Double(training.filter { $0[5] == "1" }.count) / Double(training.count)
        #expect(flagged > 0.05 && flagged <= 0.11, "\(flagged)")
    }

    @Test func semiSupervisedReadsOnlyTheLabelledFraction() throws {
        let result = try run(["model.type=gbdt", "training.objective=semi_supervised", "training.label_fraction=0.2", Self.heads,
                              "model.consistency.folds=2", "model.consistency.epochs=2"])
        let log = read(result.directory + "/log.txt")
        #expect(log.contains("semi-supervised: the classifier reads the labels of 56 of 280 training samples"), "\(log)")
        // The same fraction of the validation labels, and no other, chooses the candidate and the threshold.
        let runner = ExperimentRunner(config: try tinyConfig(scratchDirectory()), reporter: { _ in })
        let data = try runner.dataset(fold: nil)
        let drawn = LabelledSamples(fraction: 0.2, strata: .standard, of: data, seed: 1), readable = drawn.valid
        #expect(drawn.train.count == 56)
        #expect(readable.count < data.indices(.valid).count / 4 && readable.count > 0)
        #expect(log.contains("and of \(readable.count) of \(data.indices(.valid).count) validation samples"), "\(log)")
        let anomalies = drawn.train.filter { data.labels[$0] == 1 }.count
        #expect(log.contains("(label_fraction 0.2, stratified by class and anomaly type; \(anomalies) anomalies of "), "\(log)")
        // Cross-validation pools the labelled training and validation samples, and reads no other label.
        let pooled = 56 + readable.count, pooledAnomalies = anomalies + readable.filter { data.labels[$0] == 1 }.count
        #expect(log.contains("-fold stratified cross-validation over the \(pooled) labelled samples (\(pooledAnomalies) anomalies), out-of-fold AP: pretrained "),
                "\(log)")
        #expect(log.contains("components ") && log.contains("linear ") && log.contains(" is kept"))
        #expect(log.contains("tail_linear ") && log.contains("tail_linear_prior ") && log.contains("tail_ensemble "))
        // The tiny shop's pool holds far fewer than 50 anomalies: a tail combination is kept, with trees when it holds 10.
        let expected = pooledAnomalies >= SemiSupervisedCrossValidation.anomaliesForTrees ? "tail_ensemble" : "tail_linear_prior"
        #expect(log.contains("; \(expected) is kept"), "\(log)")
        #expect(read(result.directory + "/metrics.json").contains("cross-validation kept \(expected)"))
        let metrics = try JSONParser.parse(read(result.directory + "/metrics.json"))
        // The self-supervised columns and their combined score join the features.
        let plain = try JSONParser.parse(read(try run(["model.type=gbdt"]).directory + "/metrics.json"))
        #expect((metrics["features"]?.intValue ?? 0) >= (plain["features"]?.intValue ?? 0) + 5)
    }

    /// `fusionlab features` of a semi-supervised config holds the self-supervised columns its
    /// classifier reads: `surprise_ssl_score` is, sample by sample, the score of the self-supervised
    /// run of the same seed (the same label-free pre-training and combination); a config with
    /// another objective exports none.
    @Test func theFeatureExportOfASemiSupervisedConfigHoldsThePretrainedColumns() throws {
        let common = [Self.heads, "model.consistency.folds=2", "model.consistency.epochs=3", "seeds=[1]"]
        let semi = try tinyConfig(scratchDirectory(), common + ["model.type=gbdt", "training.objective=semi_supervised", "training.label_fraction=0.2"])
        let table = try FeatureExport.table(config: semi, reporter: { _ in })
        let pretrained = table.columns.filter { $0.name.hasPrefix("surprise_ssl_") }
        #expect(pretrained.count >= 5, "\(pretrained.map(\.name))")
        let exported = try #require(pretrained.first { $0.name == "surprise_ssl_score" }?.numbers)

        // predictions.csv: sample_id, split, label, anomaly_type, score, predicted.
        let selfSupervised = try run(Self.selfSupervised, seed: 1)
        var scored: [String: Double] = [:]
        for line in read(selfSupervised.directory + "/predictions.csv").split(separator: "\n").dropFirst() {
            let cells = line.split(separator: ",", omittingEmptySubsequences: false)
            scored[String(cells[0])] = Double(cells[4])
        }
        #expect(scored.count == table.sampleIDs.count && scored.count > 300)
        for (id, value) in zip(table.sampleIDs, exported) {
            let expected = try #require(scored[id])
            #expect(abs(value - expected) <= 1e-5 * max(1, abs(expected)), "\(id): exported \(value), the run scored \(expected)")
        }
        let plain = try FeatureExport.table(config: try tinyConfig(scratchDirectory(), common), reporter: { _ in })
        #expect(!plain.columns.contains { $0.name.hasPrefix("surprise_ssl_") })
        #expect(plain.columns.contains { $0.name == "surprise_price_in_listing" })
    }

    @Test func anObjectiveTheModelCannotFollowIsAConfigError() throws {
        // Only semi_supervised reads a label fraction (model.type neural follows it too: NeuralSemiSupervisedTests).
        #expect(throws: ConfigError.self) { try run(["training.objective=self_supervised", "training.label_fraction=0.1"]) }
        let fraction = #expect(throws: ConfigError.self) { try run(["training.label_fraction=0.1"]) }
        #expect(fraction?.path == "training.label_fraction", "\(String(describing: fraction))")
        let strata = #expect(throws: ConfigError.self) { try run(["training.label_strata=class"]) }
        #expect(strata?.path == "training.label_strata", "\(String(describing: strata))")
    }

    @Test func theLabelFractionIsStratifiedAndSeeded() {
        let labels: [Float] = (0..<1000).map { $0 % 10 == 0 ? 1 : 0 }
        let samples = Array(0..<1000)
        let a = LabelFraction.sample(samples, labels: labels, fraction: 0.05, seed: 3)
        #expect(a == LabelFraction.sample(samples, labels: labels, fraction: 0.05, seed: 3))
        #expect(a != LabelFraction.sample(samples, labels: labels, fraction: 0.05, seed: 4))
        #expect(a.count == 50 && a.filter { labels[$0] == 1 }.count == 5)
        #expect(a == a.sorted() && Set(a).count == a.count)
        // A class too small for the fraction still gets one labelled sample.
        let rare = LabelFraction.sample(samples, labels: labels, fraction: 0.001, seed: 0)
        #expect(rare.filter { labels[$0] == 1 }.count == 1 && rare.count == 2)
        #expect(LabelFraction.sample(samples, labels: labels, fraction: 1, seed: 0) == samples)
    }

    /// `label_strata` anomaly_type: the same counts, the anomalies' share spread over their types
    /// by largest remainders — 5 labelled anomalies over types of 50, 30, 15 and 5 are exact
    /// shares 2.5, 1.5, 0.75, 0.25, so 2 + 1 + 0 + 0 and the two largest remainders (c's 0.75,
    /// then a's 0.5, before b's on the tie) add one each: 3, 1, 1, 0.
    @Test func theLabelFractionCanSpreadTheAnomaliesOverTheirTypes() {
        let labels: [Float] = (0..<1000).map { $0 % 10 == 0 ? 1 : 0 }
        let types: [String] = (0..<1000).map { i in
            guard i % 10 == 0 else { return "" }
            let k = i / 10
            return k < 50 ? "a" : k < 80 ? "b" : k < 95 ? "c" : "d"
        }
        let samples = Array(0..<1000)
        let byClass = LabelFraction.sample(samples, labels: labels, fraction: 0.05, seed: 3)
        let byType = LabelFraction.sample(samples, labels: labels, types: types, fraction: 0.05, seed: 3)
        let anomalies = byType.filter { labels[$0] == 1 }
        #expect(byType.count == byClass.count && anomalies.count == 5)
        #expect(["a", "b", "c", "d"].map { t in anomalies.filter { types[$0] == t }.count } == [3, 1, 1, 0])
        #expect(byType.filter { labels[$0] == 0 } == byClass.filter { labels[$0] == 0 })
        #expect(byType == byType.sorted() && byType == LabelFraction.sample(samples, labels: labels, types: types, fraction: 0.05, seed: 3))
        #expect(anomalies != LabelFraction.sample(samples, labels: labels, types: types, fraction: 0.05, seed: 4).filter { labels[$0] == 1 })
        // Anomalies of one type (or none named) are drawn exactly as by class alone.
        #expect(LabelFraction.sample(samples, labels: labels, types: [String](repeating: "", count: 1000), fraction: 0.05, seed: 3) == byClass)
        #expect(LabelFraction.validation(samples, labels: labels, types: [String](repeating: "x", count: 1000), fraction: 0.05, seed: 3)
                == LabelFraction.validation(samples, labels: labels, fraction: 0.05, seed: 3))
        #expect(LabelFraction.apportion(5, sizes: [50, 30, 15, 5]) == [3, 1, 1, 0])
        #expect(LabelFraction.apportion(2, sizes: [1, 1, 1]) == [1, 1, 0])
        #expect(LabelFraction.apportion(4, sizes: [2, 6]) == [1, 3])
        #expect(LabelFraction.apportion(0, sizes: [3, 4]) == [0, 0] && LabelFraction.apportion(1, sizes: []) == [])
    }

    /// Folds deal each class in turn after a seeded shuffle: every fold holds the same share of
    /// anomalies (±1), the draw depends on the seed only, and the fold count never exceeds the
    /// rarer class.
    @Test func crossValidationFoldsAreStratifiedAndSeeded() {
        let labels = (0..<103).map { $0 % 10 == 3 }
        let folds = StratifiedFolds.assign(labels: labels, folds: 5, seed: 7)
        #expect(folds == StratifiedFolds.assign(labels: labels, folds: 5, seed: 7))
        #expect(folds != StratifiedFolds.assign(labels: labels, folds: 5, seed: 8))
        let anomaliesPerFold = (0..<5).map { f in labels.indices.filter { folds[$0] == f && labels[$0] }.count }
        let sizes = (0..<5).map { f in folds.filter { $0 == f }.count }
        // 10 anomalies over 5 folds: exactly 2 each; 103 samples: 20 or 21 per fold.
        #expect(anomaliesPerFold == [2, 2, 2, 2, 2] && sizes.allSatisfy { $0 == 20 || $0 == 21 } && sizes.reduce(0, +) == 103)
        #expect(StratifiedFolds.count(labels: labels, preferred: 5) == 5)
        #expect(StratifiedFolds.count(labels: [true, false, false, true, false, true], preferred: 5) == 3)
        #expect(StratifiedFolds.count(labels: [false, false], preferred: 5) == 0)
    }

    /// A column-subset model reads only its columns: fitted on them alone it scores full matrices
    /// exactly as the inner model scores the selected columns.
    @Test func aColumnSubsetModelReadsOnlyItsColumns() throws {
        let rows = 40
        var values: [Float] = []
        for r in 0..<rows { values += [Float(r % 2), Float((r * 7) % 5), Float(r % 3)] }
        let matrix = FeatureMatrix(rows: rows, names: ["y", "noise", "other"], cardinalities: [nil, nil, nil], values: values)
        let labels = (0..<rows).map { Float($0 % 2) }
        let subset = ColumnSubsetModel(LogisticRegression.make(options: .init()), columns: [1, 0])
        try subset.fit(matrix, labels: labels, valid: nil)
        let alone = LogisticRegression.make(options: .init())
        try alone.fit(matrix.selecting(columns: [1, 0]), labels: labels, valid: nil)
        #expect(matrix.selecting(columns: [2, 0]).values.prefix(6) == [0, 0, 1, 1, 2, 0])
        #expect(subset.score(matrix) == alone.score(matrix.selecting(columns: [1, 0])))
        let scores = subset.score(matrix)
        #expect(RankingCurve(scores: scores.map(Double.init), labels: labels.map { $0 == 1 }).rocAUC == 1)
    }

    /// The candidate with the highest (out-of-fold) average precision is kept; a tie keeps the
    /// simpler; without both classes, the pre-trained score.
    @Test func theCandidateBestOnLabelledValidationIsKept() {
        let labels = [true, false, true, false, false]
        let scores: [SemiSupervisedCandidate: [Double]] = [.pretrained: [0.9, 0.8, 0.1, 0.2, 0.3], .components: [0.9, 0.3, 0.1, 0.2, 0.8],
                                                           .linear: [0.9, 0.1, 0.8, 0.2, 0.3], .classifier: [0.9, 0.1, 0.8, 0.2, 0.3]]
        let (kept, ap) = ExperimentRunner.chooseCandidate(scores, labels: labels)
        #expect(kept == .linear && ap[.linear] == 1 && abs(ap[.pretrained]! - (1 + 2.0 / 5) / 2) < 1e-12)
        #expect(ExperimentRunner.chooseCandidate(scores, labels: [false, false, false, false, false]).kept == .pretrained)
        // The validation draw is its own, stratified as the training one.
        let all: [Float] = (0..<1000).map { $0 % 10 == 0 ? 1 : 0 }
        let valid = LabelFraction.validation(Array(0..<1000), labels: all, fraction: 0.05, seed: 3)
        #expect(valid.count == 50 && valid.filter { all[$0] == 1 }.count == 5 && valid != LabelFraction.sample(Array(0..<1000), labels: all, fraction: 0.05, seed: 3))
    }

    /// With fewer labelled anomalies than `anomaliesToChoose` the cross-validation's choice is
    /// not trusted: `tail_ensemble` is kept, or `tail_linear_prior` with fewer than
    /// `anomaliesForTrees`; with enough, or when nothing was fitted (one class or a single
    /// anomaly), the choice stands.
    @Test func tooFewAnomaliesKeepTheTailCombinations() {
        let few = SemiSupervisedCrossValidation.anomaliesToChoose - 1, trees = SemiSupervisedCrossValidation.anomaliesForTrees
        #expect(ExperimentRunner.keptCandidate(best: .classifier, anomalies: few, fitted: true) == .tailEnsemble)
        #expect(ExperimentRunner.keptCandidate(best: .linear, anomalies: trees, fitted: true) == .tailEnsemble)
        #expect(ExperimentRunner.keptCandidate(best: .pretrained, anomalies: trees - 1, fitted: true) == .tailLinearPrior)
        #expect(ExperimentRunner.keptCandidate(best: .classifier, anomalies: few + 1, fitted: true) == .classifier)
        #expect(ExperimentRunner.keptCandidate(best: .pretrained, anomalies: 1, fitted: false) == .pretrained)
    }

    @Test func withoutLabelsRemovesEveryLabel() throws {
        let runner = ExperimentRunner(config: try tinyConfig(scratchDirectory()), reporter: { _ in })
        let data = try runner.dataset(fold: nil)
        #expect(data.labels.contains(1))
        let stripped = data.withoutLabels()
        #expect(!stripped.labels.contains(1) && stripped.anomalyTypes.allSatisfy(\.isEmpty) && stripped.anomalyClasses.allSatisfy { $0 == 0 })
        #expect(!stripped.labelled && stripped.roles == data.roles)
    }
}

@Suite struct SelfSupervisedScoringTests {
    @Test func tailStandardisationKnownValues() {
        let s = TailStandardizer(fitting: [1, 2, 3, 4, 5, .nan])
        // −log((training values ≥ v) + 1) / (n + 1)), n = 5.
        #expect(abs(s(3) - Float(-log(4.0 / 6))) < 1e-6)
        #expect(abs(s(9) - Float(log(6.0))) < 1e-6 && abs(s(0) - 0) < 1e-6)
        #expect(s(nil) == 0 && s(.nan) == 0)
        // Two-sided: the smaller tail, doubled; a value below every training one is as atypical as one above.
        let t = TailStandardizer(fitting: [1, 2, 3, 4, 5], twoSided: true)
        #expect(abs(t(0) - Float(log(3.0))) < 1e-6 && abs(t(9) - Float(log(3.0))) < 1e-6 && t(3) == 0)
    }

    @Test func theScoreIsTheMeanOfColumnsAndContributionsAddUp() {
        let columns: [(component: String, name: String, raw: [Float?], twoSided: Bool)] = [
            ("a", "a1", [0, 1, 2, 3, 10], false), ("a", "a2", [1, 1, 1, 1, nil], false), ("b", "b", [4, 3, 2, 1, 0], false),
        ]
        let scores = SelfSupervisedScores(columns: columns, training: [0, 1, 2, 3])
        #expect(scores.rule == .fisherMean)
        #expect(scores.components == ["a", "b"])
        // Sample 4: a1 beyond every training value (log 5), a2 absent (0), b below every one (0).
        #expect(abs(scores.score(sample: 4) - log(5.0) / 3) < 1e-6)
        let parts = scores.contributions(sample: 0)
        #expect(abs(parts.reduce(0, +) - scores.score(sample: 0)) < 1e-12 && parts[1] > 0)
        #expect(SelfSupervisedScores.threshold(trainingScores: (0..<100).map(Double.init), contamination: 0.1) == 89)
    }

    /// `extremes`: per feature the larger of its two training tails, per sample the mean of the
    /// largest `extremeFeatures` (here both features, as there are two).
    @Test func extremesAverageTheLargestFeatureTails() {
        #expect(ExperimentRunner.extremeFeatures == 3)
        let features: [[Double]] = [[1, 2, 3, 4, 10, .nan], [4, 3, 2, 1, 2.5, 2.5]]
        let values = ExperimentRunner.extremes(features, training: [0, 1, 2, 3])
        // Sample 4: 10 beyond every training value (log 5); 2.5 with two of four training values
        // on either side (−log(3/5)).
        #expect(abs(values[4]! - Float((log(5.0) - log(0.6)) / 2)) < 1e-6)
        // Sample 5: a missing value is unremarkable (0).
        #expect(abs(values[5]! - Float(-log(0.6) / 2)) < 1e-6)
        // Sample 0: the smallest of the first feature and the largest of the second: −log(2/5) each.
        #expect(abs(values[0]! - Float(-log(0.4))) < 1e-6)
        // More features than `extremeFeatures`: the smallest tails do not count.
        let many = ExperimentRunner.extremes(features + [[Double]](repeating: [0, 0, 0, 0, 0, 0], count: 3), training: [0, 1, 2, 3])
        #expect(abs(many[4]! - Float((log(5.0) - log(0.6)) / 3)) < 1e-6)
    }

    /// The harmonic mean p-value: −log((1/m) Σ 1/p_j) = log-mean-exp of the t_j; one strong column
    /// is not diluted as the mean dilutes it, and shares split the score by e^(t_j).
    @Test func theHarmonicMeanPValueKnownValuesAndShares() {
        // p = 0.001, 0.5, 0.5: HMP = 3 / (1000 + 2 + 2) → −log = log(1004 / 3).
        let t = [-log(0.001), -log(0.5), -log(0.5)]
        #expect(abs(SelfSupervisedScores.combine(t, rule: .harmonicMeanP) - log(1004.0 / 3)) < 1e-12)
        #expect(abs(SelfSupervisedScores.combine(t, rule: .fisherMean) - (log(1000.0) + 2 * log(2.0)) / 3) < 1e-12)
        // One column at p = 0.001 among nine at 1 outranks ten columns all at p = 0.1 under the
        // harmonic mean p-value (log 100.9 against log 10), not under the Fisher mean (0.69 against 2.30).
        let sparse = [-log(0.001)] + [Double](repeating: 0, count: 9), dense = [Double](repeating: -log(0.1), count: 10)
        #expect(SelfSupervisedScores.combine(sparse, rule: .harmonicMeanP) > SelfSupervisedScores.combine(dense, rule: .harmonicMeanP))
        #expect(SelfSupervisedScores.combine(sparse, rule: .fisherMean) < SelfSupervisedScores.combine(dense, rule: .fisherMean))
        // Large t does not overflow; all columns at p = 1 score 0.
        #expect(abs(SelfSupervisedScores.combine([2000, 0], rule: .harmonicMeanP) - (2000 - log(2.0))) < 1e-9)
        #expect(SelfSupervisedScores.combine([0, 0, 0], rule: .harmonicMeanP) == 0)

        let columns: [(component: String, name: String, raw: [Float?], twoSided: Bool)] = [
            ("a", "a1", [0, 1, 2, 3, 10], false), ("a", "a2", [1, 1, 1, 1, nil], false), ("b", "b", [4, 3, 2, 1, 0], false),
        ]
        var scores = SelfSupervisedScores(columns: columns, training: [0, 1, 2, 3])
        scores.rule = .harmonicMeanP
        // Sample 4: a1 beyond every training value (t = log 5: 1/p = 5), a2 absent and b below all (1/p = 1 each).
        #expect(abs(scores.score(sample: 4) - log(7.0 / 3)) < 1e-6)
        let shares = scores.columnShares(sample: 4)
        #expect(abs(shares[0] / shares[2] - 5) < 1e-5 && abs(shares.reduce(0, +) - scores.score(sample: 4)) < 1e-12)
        let parts = scores.contributions(sample: 4)
        #expect(abs(parts[0] - (shares[0] + shares[1])) < 1e-12 && abs(parts[1] - shares[2]) < 1e-12)
    }

    /// The report's label-efficiency chart: a type's average precision against the normal samples.
    @Test func perTypeAveragePrecisionAgainstTheNormalSamples() throws {
        let split = ScoredSplit(ids: ["1", "2", "3", "4", "5"], scores: [0.9, 0.8, 0.7, 0.1, 0.6], labels: [true, true, false, false, true],
                                types: ["a", "b", "normal", "normal", "a"])
        // a against the normals: a, n, a, n → (1/1 + 2/3) / 2.
        let a: Double = try #require(LabelEfficiencySection.averagePrecision(split, type: "a"))
        let expectedA: Double = (1 + 2.0 / 3) / 2
        #expect(abs(a - expectedA) < 1e-12)
        // Every anomaly: a, b, n, a, n → (1 + 1 + 3/4) / 3.
        let all: Double = try #require(LabelEfficiencySection.averagePrecision(split, type: "all"))
        #expect(abs(all - 2.75 / 3) < 1e-12)
        #expect(LabelEfficiencySection.averagePrecision(split, type: "c") == nil)
    }

    /// The chart's points: a run's share of labels, and whether it was drawn by class alone (a
    /// point of its own, on the dashed line; so was a run saved before label_strata); supervised
    /// runs are no point.
    @Test func labelEfficiencyPointsTellTheDrawsApart() {
        func run(_ training: [(String, JSONValue)]) -> RunArtifacts {
            RunArtifacts(directory: "", record: RunRecord(directory: "", variant: "v", seed: 0, fold: nil, test: [:]), metrics: .object([]),
                         config: .object([("training", .object(training))]), timing: nil, history: [], test: ScoredSplit(), valid: ScoredSplit())
        }
        let semi = ("objective", JSONValue.string("semi_supervised"))
        let byClass = run([semi, ("label_fraction", .number(0.05)), ("label_strata", .string("class"))])
        let perType = run([semi, ("label_fraction", .number(0.05)), ("label_strata", .string("anomaly_type"))])
        let all = run([semi, ("label_fraction", .number(1)), ("label_strata", .string("anomaly_type"))])
        let none = run([("objective", .string("self_supervised"))]), supervised = run([("objective", .string("supervised"))])
        let older = run([semi, ("label_fraction", .number(0.05))]), renamed = run([semi, ("label_fraction", .number(0.05)), ("label_strata", .string("label"))])
        #expect([byClass, perType, all, none, older].map(LabelEfficiencySection.labelFraction) == [0.05, 0.05, 1, 0, 0.05])
        #expect(LabelEfficiencySection.labelFraction(supervised) == nil)
        // Every label read, or none, is the same draw however it is stratified.
        #expect([byClass, perType, all, none, supervised, older, renamed].map(LabelEfficiencySection.drawnByClass)
                == [true, false, false, false, false, true, true])
        #expect(LabelEfficiencySection.caption(fraction: 0.05, byClass: true) == "5% by class" && LabelEfficiencySection.caption(fraction: 0.1, byClass: false) == "10%")
    }

    @Test func crossFittingJudgesEveryTrainingSampleOutOfFold() {
        var fits: [[Int]] = []
        let values: [Int?] = SelfSupervisedScores.crossFitted(training: [0, 2, 4, 6, 8, 10], sampleCount: 12, folds: 3, seed: 1) { fitOn, judge in
            fits.append(fitOn)
            #expect(Set(fitOn).isDisjoint(with: judge) || fitOn.count == 6)
            return judge.map { _ in fitOn.count }
        }
        #expect(fits.count == 4 && fits.last == [0, 2, 4, 6, 8, 10])
        #expect((0..<12).allSatisfy { values[$0] == ($0 % 2 == 0 ? 4 : 6) })
    }
}
