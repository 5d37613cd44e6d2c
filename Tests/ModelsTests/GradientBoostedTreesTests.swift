import Foundation
import Testing
@testable import Models
import Support
import Tensor

/// GradientBoostedTrees against Python xgboost 1.7.4 (Tests/Fixtures/xgboost_parity.json, written
/// once by Benchmarks/make_xgboost_fixture.py) and on small synthetic sets built to need one
/// behaviour each: learning, early stopping, missing values, categorical splits, errors.
@Suite struct GradientBoostedTreesTests {
    struct ParityFixture: Decodable {
        struct Case: Decodable {
            var name: String
            var options: [String: JSONNumberOrNull]
            var params: [[String]]
            var rounds_trained: Int
            var best_iteration: Int
            var probabilities: [Double]
        }
        var xgboost: String
        var train_rows: Int
        var cardinality: Int
        var features: [[Float?]]
        var labels: [Int]
        var cases: [Case]
    }

    /// A fixture option: a number, or null for "absent".
    struct JSONNumberOrNull: Decodable {
        var value: Double?
        init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            value = c.decodeNil() ? nil : try c.decode(Double.self)
        }
    }

    static let fixture: ParityFixture = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/xgboost_parity.json")
        return try! JSONDecoder().decode(ParityFixture.self, from: Data(contentsOf: url))
    }()

    static let defaults = GradientBoostedTrees.Options(
        rounds: 500, learningRate: 0.05, maxDepth: 6, minChildWeight: 1, subsample: 0.8, colsampleBytree: 0.8,
        regLambda: 1, regAlpha: 0, maxBin: 256, earlyStoppingRounds: 50, scalePosWeight: 1, balanceClasses: false, maxCatToOnehot: 4)

    static func options(_ change: (inout GradientBoostedTrees.Options) -> Void) -> GradientBoostedTrees.Options {
        var o = defaults
        change(&o)
        return o
    }

    /// ROC-AUC by ranks (ties share their mean rank).
    static func auc(_ scores: [Float], _ labels: [Float]) -> Double {
        let order = scores.indices.sorted { scores[$0] < scores[$1] }
        var ranks = [Double](repeating: 0, count: scores.count)
        var i = 0
        while i < order.count {
            var j = i
            while j + 1 < order.count && scores[order[j + 1]] == scores[order[i]] { j += 1 }
            for k in i...j { ranks[order[k]] = Double(i + j) / 2 + 1 }
            i = j + 1
        }
        let positives = labels.filter { $0 == 1 }.count, negatives = labels.count - positives
        let rankSum = zip(ranks, labels).filter { $0.1 == 1 }.map(\.0).reduce(0, +)
        return (rankSum - Double(positives * (positives + 1)) / 2) / Double(positives * negatives)
    }

    /// `rows` rows of `columns` standard normals; the label is `rule` of the row plus label noise.
    static func synthetic(rows: Int, columns: Int, seed: UInt64, flip: Double = 0, rule: ([Float]) -> Bool) -> (FeatureMatrix, [Float]) {
        var g = RandomGenerator(seed: seed)
        var values: [Float] = [], labels: [Float] = []
        for _ in 0..<rows {
            let row = (0..<columns).map { _ in Float(g.nextNormal()) }
            values += row
            labels.append((rule(row) != (g.nextDouble() < flip)) ? 1 : 0)
        }
        return (FeatureMatrix(rows: rows, names: (0..<columns).map { "x\($0)" }, cardinalities: Array(repeating: nil, count: columns), values: values), labels)
    }

    // MARK: - Parity with Python

    @Test(arguments: 0..<2)
    func scoresEqualPythonXGBoost(index: Int) throws {
        let f = Self.fixture, c = f.cases[index]
        #expect(f.xgboost == "1.7.4")
        let columns = f.features[0].count
        let all = FeatureMatrix(rows: f.features.count, names: (0..<columns).map { "x\($0)" },
                                cardinalities: (0..<columns).map { $0 == columns - 1 ? f.cardinality : nil },
                                values: f.features.flatMap { $0.map { $0 ?? .nan } })
        let labels = f.labels.map(Float.init)
        let train = Array(0..<f.train_rows), valid = Array(f.train_rows..<f.features.count)
        let o = c.options.mapValues(\.value)
        let options = GradientBoostedTrees.Options(
            rounds: Int(o["rounds"]!!), learningRate: o["learning_rate"]!!, maxDepth: Int(o["max_depth"]!!),
            minChildWeight: o["min_child_weight"]!!, subsample: o["subsample"]!!, colsampleBytree: o["colsample_bytree"]!!,
            regLambda: o["reg_lambda"]!!, regAlpha: o["reg_alpha"]!!, maxBin: Int(o["max_bin"]!!),
            earlyStoppingRounds: Int(o["early_stopping_rounds"]!!), scalePosWeight: o["scale_pos_weight"]! ?? 1,
            // Python's None: the weight derived from the labels.
            balanceClasses: o["scale_pos_weight"]! == nil, maxCatToOnehot: Int(o["max_cat_to_onehot"]!!))
        let model = GradientBoostedTrees(options: options, seed: UInt64(o["seed"]!!), threads: Int(o["threads"]!!))

        let trainLabels = train.map { labels[$0] }
        #expect(model.parameters(trainLabels: trainLabels).map { [$0.0, $0.1] } == c.params, "\(c.name): parameters differ from Python's")
        try model.fit(all.selecting(rows: train), labels: trainLabels, valid: (all.selecting(rows: valid), valid.map { labels[$0] }))
        #expect(model.roundsTrained == c.rounds_trained, "\(c.name)")
        #expect(model.keptRounds == c.best_iteration + 1, "\(c.name)")

        let scores = model.score(all)
        let worst = zip(scores, c.probabilities).map { Swift.abs(Double($0) - $1) }.max()!
        // Measured: 0 (bit-identical) in both cases, Debian's libxgboost 1.7.4 against the PyPI wheel.
        #expect(worst <= 1e-6, "\(c.name): largest difference from Python \(worst)")
    }

    // MARK: - Behaviour

    @Test func learnsASeparableSet() throws {
        let rule: ([Float]) -> Bool = { $0[0] + 0.5 * $0[1] * $0[2] > 0.3 }
        let (x, y) = Self.synthetic(rows: 600, columns: 5, seed: 1, rule: rule)
        let (tx, ty) = Self.synthetic(rows: 400, columns: 5, seed: 2, rule: rule)
        let model = GradientBoostedTrees(options: Self.options { $0.rounds = 200; $0.earlyStoppingRounds = 0 }, seed: 0, threads: 1)
        try model.fit(x, labels: y, valid: nil)
        let auc = Self.auc(model.score(tx), ty)
        #expect(auc > 0.9, "held-out AUC \(auc)")
        #expect(model.roundsTrained == 200 && model.keptRounds == 200)
        #expect(model.summary == "gradient-boosted trees: 200 rounds trained; 5 of 5 features used", "\(model.summary)")
    }

    /// On labels that are pure noise validation aucpr stops improving early; the model then
    /// scores exactly as one trained for the best number of rounds and no more.
    @Test func earlyStoppingStopsAndScoresWithTheBestRound() throws {
        let (x, y) = Self.synthetic(rows: 400, columns: 4, seed: 3, flip: 0.5) { _ in false }
        let (vx, vy) = Self.synthetic(rows: 200, columns: 4, seed: 4, flip: 0.5) { _ in false }
        let model = GradientBoostedTrees(options: Self.options { $0.earlyStoppingRounds = 10 }, seed: 5, threads: 1)
        try model.fit(x, labels: y, valid: (vx, vy))
        #expect(model.roundsTrained < 500)
        #expect(model.keptRounds == model.roundsTrained - 10)
        #expect(model.summary.contains("\(model.roundsTrained) rounds trained (stopped early); best round \(model.keptRounds) by validation aucpr") && model.summary.contains("scores use rounds 1–\(model.keptRounds)"), "\(model.summary)")

        let kept = model.keptRounds
        let short = GradientBoostedTrees(options: Self.options { $0.rounds = kept; $0.earlyStoppingRounds = 0 }, seed: 5, threads: 1)
        try short.fit(x, labels: y, valid: nil)
        #expect(model.score(vx) == short.score(vx))
        let long = GradientBoostedTrees(options: Self.options { $0.rounds = model.roundsTrained; $0.earlyStoppingRounds = 0 }, seed: 5, threads: 1)
        try long.fit(x, labels: y, valid: nil)
        #expect(model.score(vx) != long.score(vx))
    }

    @Test func validationWithOneClassTurnsEarlyStoppingOff() throws {
        let (x, y) = Self.synthetic(rows: 200, columns: 3, seed: 6) { $0[0] > 0 }
        let (vx, _) = Self.synthetic(rows: 50, columns: 3, seed: 7) { $0[0] > 0 }
        let model = GradientBoostedTrees(options: Self.options { $0.rounds = 30; $0.earlyStoppingRounds = 5 }, seed: 0, threads: 1)
        try model.fit(x, labels: y, valid: (vx, [Float](repeating: 0, count: 50)))
        #expect(model.roundsTrained == 30 && model.keptRounds == 30)
        #expect(model.summary.contains("one class only"), "\(model.summary)")
    }

    /// Missing values are a direction of their own: here whether x0 is missing is the signal.
    @Test func missingValuesAreHandled() throws {
        var (x, _) = Self.synthetic(rows: 500, columns: 3, seed: 8) { _ in false }
        var labels: [Float] = []
        for r in 0..<x.rows {
            let missing = r % 3 == 0
            if missing { x.values[r * 3] = .nan }
            labels.append(missing ? 1 : 0)
        }
        let model = GradientBoostedTrees(options: Self.options { $0.rounds = 20; $0.earlyStoppingRounds = 0 }, seed: 0, threads: 1)
        try model.fit(x, labels: labels, valid: nil)
        let scores = model.score(x)
        #expect(scores.allSatisfy { $0.isFinite })
        #expect(Self.auc(scores, labels) == 1)
    }

    /// The label is "code ∈ {1, 3}" of a 5-category column: one depth-1 tree separates it when
    /// the column is categorical (a subset split), never when it is a number (a threshold).
    @Test func categoricalColumnsSplitAsCategories() throws {
        var g = RandomGenerator(seed: 9)
        let codes = (0..<500).map { _ in Float(g.nextInt(below: 5)) }
        let labels: [Float] = codes.map { $0 == 1 || $0 == 3 ? 1 : 0 }
        let stump = Self.options { $0.rounds = 1; $0.maxDepth = 1; $0.learningRate = 1; $0.subsample = 1; $0.colsampleBytree = 1; $0.earlyStoppingRounds = 0 }
        func fitted(cardinality: Int?) throws -> Double {
            let x = FeatureMatrix(rows: 500, names: ["code"], cardinalities: [cardinality], values: codes)
            let model = GradientBoostedTrees(options: stump, seed: 0, threads: 1)
            try model.fit(x, labels: labels, valid: nil)
            #expect(model.featuresUsed == ["code"])
            return Self.auc(model.score(x), labels)
        }
        let categorical = try fitted(cardinality: 5), numeric = try fitted(cardinality: nil)
        #expect(categorical == 1)
        #expect(numeric < 0.9)
    }

    @Test func anXGBoostErrorIsAClassicalModelError() throws {
        let (x, y) = Self.synthetic(rows: 50, columns: 2, seed: 10) { $0[0] > 0 }
        let model = GradientBoostedTrees(options: Self.options { $0.subsample = 1.5 }, seed: 0, threads: 1)
        let error = #expect(throws: ClassicalModelError.self) { try model.fit(x, labels: y, valid: nil) }
        #expect(error?.model == "gbdt")
        #expect(error?.message.contains("subsample") == true, "\(error?.message ?? "")")
        #expect(error?.message.hasPrefix("XGBoost failed") == true, "\(error?.message ?? "")")
        // A categorical code XGBoost cannot hold (negative) is refused the same way.
        let bad = FeatureMatrix(rows: 4, names: ["c"], cardinalities: [3], values: [0, 1, -2, 2])
        let categoryError = #expect(throws: ClassicalModelError.self) {
            try GradientBoostedTrees(options: Self.defaults, seed: 0, threads: 1).fit(bad, labels: [0, 1, 0, 1], valid: nil)
        }
        #expect(categoryError?.message.contains("Invalid categorical value") == true && categoryError?.message.contains("Stack trace") == false, "\(categoryError?.message ?? "")")
    }

    @Test(arguments: [1, 2])
    func sameInputsGiveIdenticalScores(threads: Int) throws {
        let (x, y) = Self.synthetic(rows: 300, columns: 4, seed: 11, flip: 0.1) { $0[0] - $0[3] > 0 }
        let (vx, vy) = Self.synthetic(rows: 150, columns: 4, seed: 12, flip: 0.1) { $0[0] - $0[3] > 0 }
        let options = Self.options { $0.rounds = 60; $0.earlyStoppingRounds = 10 }
        let runs = try (0..<2).map { _ in
            let model = GradientBoostedTrees(options: options, seed: 3, threads: threads)
            try model.fit(x, labels: y, valid: (vx, vy))
            return model.score(vx)
        }
        #expect(runs[0] == runs[1])
        let otherSeed = GradientBoostedTrees(options: options, seed: 4, threads: threads)
        try otherSeed.fit(x, labels: y, valid: (vx, vy))
        #expect(otherSeed.score(vx) != runs[0], "subsample 0.8 draws from the seed")
    }

    // MARK: - Config

    @Test func definitionDecodesItsDefaultsAndEncodesBackTheWholeSection() throws {
        let definition = GradientBoostedTrees.definition
        #expect(definition.name == "gbdt" && definition.usesLabels)
        let section = try ConfigType.object(definition.fields).validate(.object([]), path: "model.gbdt")
        let options = try #require(definition.decode(section) as? GradientBoostedTrees.Options)
        #expect(options == Self.defaults)
        let encoded = ConfigDecoding.encode(options)
        #expect(encoded.objectPairs?.count == section.objectPairs?.count)
        for (key, value) in section.objectPairs! { #expect(encoded[key] == value, "\(key)") }
        #expect(section["scale_pos_weight"] == 1 && section["balance_classes"] == false)

        let given = try ConfigType.object(definition.fields).validate(.object([("scale_pos_weight", 3), ("rounds", 7)]), path: "")
        let model = try #require(definition.build(definition.decode(given), 42, 2) as? GradientBoostedTrees)
        #expect(model.options.scalePosWeight == 3 && model.options.rounds == 7 && model.seed == 42 && model.threads == 2)
        #expect(model.parameters(trainLabels: [0, 0, 1]).contains { $0 == ("scale_pos_weight", "3.0") })
        // Balanced: negatives over positives; by default XGBoost's 1.
        var balanced = Self.defaults
        balanced.balanceClasses = true
        #expect(GradientBoostedTrees(options: balanced, seed: 0, threads: 1).parameters(trainLabels: [0, 0, 0, 1])
            .contains { $0 == ("scale_pos_weight", "3.0") })
        #expect(GradientBoostedTrees(options: Self.defaults, seed: 0, threads: 1).parameters(trainLabels: [0, 0, 0, 1])
            .contains { $0 == ("scale_pos_weight", "1.0") })
    }
}
