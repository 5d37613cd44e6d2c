import Testing
import Support
import Tensor
@testable import Models

/// Extremely randomised trees: pure leaves, the leaf-size floor, an OR of one-feature rules that a
/// linear model cannot express, and the options' validation.
@Suite struct ExtraTreesTests {
    /// Rows of `columns` standard normal features; a row is anomalous when any one of the first
    /// `rules` features is beyond 2 (about 2.3% each).
    static func orOfRules(rows: Int, columns: Int = 8, rules: Int = 3, seed: UInt64) -> (FeatureMatrix, [Float]) {
        var g = RandomGenerator(seed: seed)
        let values = (0..<rows * columns).map { _ in Float(g.nextNormal()) }
        let labels: [Float] = (0..<rows).map { r in (0..<rules).contains { values[r * columns + $0] > 2 } ? 1 : 0 }
        return (FeatureMatrix(rows: rows, names: (0..<columns).map { "x\($0)" }, cardinalities: [Int?](repeating: nil, count: columns), values: values), labels)
    }

    /// The trees' leaves that the rows of `x` reach (walked on the design matrix the trees split),
    /// with how many reach each.
    static func leafCounts(_ model: ExtraTrees, rows x: FeatureMatrix) throws -> [Int: Int] {
        let preprocessing = try #require(model.preprocessing)
        let design = preprocessing.transform(x), d = preprocessing.width
        var counts: [Int: Int] = [:]
        for r in 0..<x.rows {
            for root in model.forest.roots {
                var node = root
                while model.forest.nodes.feature[node] >= 0 {
                    let goesLeft = design[r * d + Int(model.forest.nodes.feature[node])] <= model.forest.nodes.threshold[node]
                    node = Int(model.forest.nodes.left[node]) + (goesLeft ? 0 : 1)
                }
                counts[node, default: 0] += 1
            }
        }
        return counts
    }

    @Test func treesGrownToPurityScoreTheirTrainingRowsExactly() throws {
        let (train, labels) = Self.orOfRules(rows: 300, seed: 1)
        let model = ExtraTrees(options: .init(trees: 20), seed: 3)
        try model.fit(train, labels: labels, valid: nil)
        // With distinct rows and leaves of one row allowed, every leaf is pure: each training row's
        // score is its own label in every tree.
        #expect(model.score(train) == labels)
        #expect(model.forest.roots.count == 20)
    }

    @Test func everyLeafHoldsAtLeastMinSamplesLeafRows() throws {
        let (train, labels) = Self.orOfRules(rows: 400, seed: 2)
        let model = ExtraTrees(options: .init(trees: 10, minSamplesLeaf: 7), seed: 5)
        try model.fit(train, labels: labels, valid: nil)
        let counts = try Self.leafCounts(model, rows: train)
        #expect(counts.values.allSatisfy { $0 >= 7 }, "smallest leaf: \(counts.values.min() ?? 0)")
        // Every leaf's value is its rows' balanced-weight share of anomalies, so in [0, 1].
        #expect(model.score(train).allSatisfy { $0 >= 0 && $0 <= 1 })
        #expect(model.score(train) != labels)
    }

    /// Anomalous when any of three features is far out: the forest ranks held-out rows almost
    /// perfectly, a linear model on the same features cannot (it sums the features).
    @Test func learnsAnOrOfOneFeatureRulesBetterThanALinearModel() throws {
        let (train, labels) = Self.orOfRules(rows: 1500, seed: 3)
        let (test, testLabels) = Self.orOfRules(rows: 1500, seed: 4)
        let forest = ExtraTrees(options: .init(trees: 100), seed: 1)
        try forest.fit(train, labels: labels, valid: nil)
        let linear = LogisticRegression.make(options: .init())
        try linear.fit(train, labels: labels, valid: nil)
        let forestAUC = pairwiseAUC(forest.score(test), testLabels), linearAUC = pairwiseAUC(linear.score(test), testLabels)
        #expect(forestAUC > 0.97, "extra trees: \(forestAUC)")
        #expect(forestAUC > linearAUC + 0.02, "extra trees \(forestAUC), logistic regression \(linearAUC)")
    }

    @Test func maxFeaturesIsAShareOfTheColumnsAndValidated() throws {
        let definition = try #require(ClassicalModelRegistry.definition("extra_trees"))
        let schema = ConfigType.object(definition.fields)
        #expect(throws: ConfigError.self) { try schema.validate(.object([("max_features", .number(-0.1))]), path: "model.extra_trees") }
        #expect(throws: ConfigError.self) { try schema.validate(.object([("max_features", .number(1.5))]), path: "model.extra_trees") }
        let section = try schema.validate(.object([("max_features", .number(0.5)), ("trees", .number(4))]), path: "model.extra_trees")
        let options = try #require(definition.decode(section) as? ExtraTrees.Options)
        #expect(options == ExtraTrees.Options(trees: 4, maxFeatures: 0.5))
        #expect(try #require(definition.decode(try schema.validate(.object([]), path: "m")) as? ExtraTrees.Options) == ExtraTrees.Options())
    }

    @Test func differentSeedsGrowDifferentForests() throws {
        let (train, labels) = Self.orOfRules(rows: 300, seed: 6)
        let (test, _) = Self.orOfRules(rows: 100, seed: 7)
        let scores = try [1, 2].map { (seed: UInt64) -> [Float] in
            let model = ExtraTrees(options: .init(trees: 10), seed: seed)
            try model.fit(train, labels: labels, valid: nil)
            return model.score(test)
        }
        #expect(scores[0] != scores[1])
    }
}
