import Testing
import Support
import Tensor
@testable import Models

/// The classical baselines learn, repeat themselves, and are registered with documented options.
@Suite struct ClassicalModelTests {
    /// Each registered model, built from its default options the way a run builds it.
    static func build(_ name: String, _ overrides: [(String, JSONValue)] = [], seed: UInt64 = 7, threads: Int = 1) throws -> any ClassicalModel {
        let definition = try #require(ClassicalModelRegistry.definition(name))
        var section = try ConfigType.object(definition.fields).validate(.object([]), path: "model")
        for (key, value) in overrides { section = section.setting([key], to: value) }
        return definition.build(definition.decode(section), seed, threads)
    }

    static let supervised = ["logistic_regression", "linear_svm", "knn", "extra_trees"]

    @Test(arguments: supervised)
    func supervisedModelLearnsASeparableSetWithNoise(name: String) throws {
        let (train, labels) = ClassicalData.separable(rows: 600, seed: 1)
        let (test, testLabels) = ClassicalData.separable(rows: 400, seed: 2)
        let model = try Self.build(name)
        try model.fit(train, labels: labels, valid: nil)
        let auc = pairwiseAUC(model.score(test), testLabels)
        #expect(auc > 0.9, "\(name): held-out AUC \(auc)")
        #expect(!model.summary.contains("not fitted"), "\(model.summary)")
    }

    @Test func isolationForestScoresFarOutliersAboveTheBlob() throws {
        let (data, labels) = ClassicalData.blobWithOutliers(inliers: 500, outliers: 12, seed: 3)
        let model = try Self.build("isolation_forest")
        try model.fit(data, labels: [Float](repeating: 0, count: data.rows), valid: nil)  // labels unused
        let scores = model.score(data)
        #expect(pairwiseAUC(scores, labels) > 0.99)
        let inlierMedian = zip(scores, labels).filter { $0.1 == 0 }.map(\.0).sorted()[250]
        #expect(zip(scores, labels).filter { $0.1 == 1 }.allSatisfy { $0.0 > inlierMedian })
        #expect(scores.allSatisfy { $0 > 0 && $0 <= 1 })
        // A fresh far point scores above a point at the blob's centre.
        let probe = FeatureMatrix(rows: 2, names: data.names, cardinalities: data.cardinalities, values: [0, 0, 0, 8, -8, 8])
        let probeScores = model.score(probe)
        #expect(probeScores[1] > probeScores[0] + 0.1, "\(probeScores)")
    }

    @Test(arguments: ["logistic_regression", "linear_svm", "knn", "extra_trees", "isolation_forest"])
    func sameSeedGivesIdenticalScores(name: String) throws {
        let (train, labels) = ClassicalData.separable(rows: 300, seed: 4)
        let (test, _) = ClassicalData.separable(rows: 100, seed: 5)
        var runs: [[Float]] = []
        for threads in [1, 2, 1] {
            let model = try Self.build(name, seed: 11, threads: threads)
            try model.fit(train, labels: labels, valid: nil)
            runs.append(model.score(test))
        }
        #expect(runs[0] == runs[1] && runs[0] == runs[2], "\(name): scores differ between fits (or thread counts)")
    }

    @Test func isolationForestDependsOnTheSeed() throws {
        let (data, _) = ClassicalData.blobWithOutliers(inliers: 300, outliers: 5, seed: 6)
        let scores = try [1, 2].map { (seed: UInt64) -> [Float] in
            let model = try Self.build("isolation_forest", seed: seed)
            try model.fit(data, labels: [Float](repeating: 0, count: data.rows), valid: nil)
            return model.score(data)
        }
        #expect(scores[0] != scores[1])
    }

    @Test func isolationForestFollowsScikitLearnsTreeShape() throws {
        #expect(IsolationForest.averagePathLength(1) == 0 && IsolationForest.averagePathLength(2) == 1)
        // c(256) = 2(ln 255 + γ) − 2·255/256 ≈ 10.24477 (scikit-learn's _average_path_length).
        #expect(Swift.abs(IsolationForest.averagePathLength(256) - 10.244770920119917) < 1e-9)
        let (data, _) = ClassicalData.blobWithOutliers(inliers: 1000, outliers: 0, seed: 8)
        let forest = IsolationForest(options: .init(trees: 5), seed: 1)
        try forest.fit(data, labels: [], valid: nil)
        // Depth at most ⌈log2 256⌉ = 8 below the root: leaf depths ≤ 8 + c(leaf size).
        #expect(forest.forest.roots.count == 5)
        let leaves = forest.forest.nodes.feature.indices.filter { forest.forest.nodes.feature[$0] < 0 }
        #expect(leaves.allSatisfy { forest.forest.nodes.leaf[$0] <= 8 + 10.25 })
        // Binary trees: each has one leaf more than it has splits.
        #expect(forest.forest.nodes.feature.count == 2 * leaves.count - 5)
    }

    @Test func knnLeavesEachTrainingRowOutOfItsOwnNeighbours() throws {
        // Two exact duplicates: left out of itself, each still finds the other at distance 0.
        let x = FeatureMatrix(rows: 4, names: ["v"], cardinalities: [nil], values: [0, 0, 5, 6])
        let model = NearestNeighbours(options: .init(k: 1))
        try model.fit(x, labels: [1, 0, 0, 1], valid: nil)
        #expect(model.score(x) == [0, 1, 1, 0])
        // Not the training matrix: every row is a candidate.
        #expect(model.score(x.selecting(rows: [0, 1, 2])) == [1, 1, 0])
    }

    @Test func knnBreaksDistanceTiesByTrainingRowIndex() throws {
        // Mean 0, so standardising keeps ±1 exact negatives: rows at −1 and +1 are exactly as far
        // from 0, and the first wins with k = 1 whichever of them is the anomaly.
        let x = FeatureMatrix(rows: 4, names: ["v"], cardinalities: [nil], values: [-1, 1, -3, 3])
        for labels: [Float] in [[1, 0, 0, 1], [0, 1, 1, 0]] {
            let model = NearestNeighbours(options: .init(k: 1))
            try model.fit(x, labels: labels, valid: nil)
            let probe = FeatureMatrix(rows: 1, names: ["v"], cardinalities: [nil], values: [0])
            #expect(model.score(probe) == [labels[0]])
        }
    }

    /// Several query and training blocks, on two threads, against distances computed one by one
    /// in Double: the same neighbours wherever the k-th is not a near tie.
    @Test func knnAcrossBlocksMatchesABruteForceReference() throws {
        let (train, labels) = ClassicalData.separable(rows: 2 * NearestNeighbours.trainBlock + 100, prevalence: 0.3, seed: 21)
        let (query, _) = ClassicalData.separable(rows: 2 * NearestNeighbours.queryBlock + 50, seed: 22)
        let k = 7
        let model = try Self.build("knn", [("k", .number(Double(k)))], threads: 2)
        try model.fit(train, labels: labels, valid: nil)
        let scores = model.score(query)
        let p = FeaturePreprocessing(fitting: train)
        let t = p.transform(train), q = p.transform(query), d = p.width
        var compared = 0
        for i in 0..<query.rows {
            let distances = (0..<train.rows).map { j in
                (0..<d).reduce(0.0) { s, c in let x = Double(q[i * d + c]) - Double(t[j * d + c]); return s + x * x }
            }
            let order = distances.indices.sorted { (distances[$0], $0) < (distances[$1], $1) }
            if distances[order[k]] - distances[order[k - 1]] < 1e-4 { continue }
            compared += 1
            let share = Float(order.prefix(k).reduce(0.0) { $0 + Double(labels[$1]) } / Double(k))
            #expect(scores[i] == share, "query row \(i)")
        }
        #expect(compared > query.rows * 9 / 10)
    }

    @Test func knnDistanceWeightsCountOnlyExactMatchesWhenThereAreAny() throws {
        let x = FeatureMatrix(rows: 4, names: ["v"], cardinalities: [nil], values: [-3, -1, 1, 3])
        let model = NearestNeighbours(options: .init(k: 3, weights: .distance))
        try model.fit(x, labels: [0, 1, 0, 0], valid: nil)
        // Exactly row 1: only it counts. Halfway between rows 1 and 2 (standardised 0): weights equal, third neighbour farther.
        let probe = model.score(FeatureMatrix(rows: 2, names: ["v"], cardinalities: [nil], values: [-1, 0]))
        #expect(probe[0] == 1)
        let w1 = 1 / 1.0, w3 = 1 / 3.0  // distances 1 and 3 raw; standardising scales them alike
        #expect(Swift.abs(Double(probe[1]) - w1 / (2 * w1 + w3)) < 1e-6, "\(probe)")
    }

    @Test func linearModelSaysWhenItStoppedAtMaxIterations() throws {
        let (train, labels) = ClassicalData.separable(rows: 200, seed: 23)
        let model = try Self.build("logistic_regression", [("max_iterations", 1)])
        try model.fit(train, labels: labels, valid: nil)
        #expect(model.summary.contains("stopped at max_iterations (1)"), "\(model.summary)")
    }

    @Test func isolationForestDrawsEveryRowWhenFewerThanMaxSamples() throws {
        let (data, _) = ClassicalData.blobWithOutliers(inliers: 40, outliers: 0, seed: 24)
        let model = IsolationForest(options: .init(trees: 3), seed: 1)
        try model.fit(data, labels: [], valid: nil)
        #expect(model.summary.contains("on 40 rows each"), "\(model.summary)")
    }

    @Test(arguments: supervised)
    func supervisedModelsRefuseOneClassOrMismatchedLabels(name: String) throws {
        let (train, _) = ClassicalData.separable(rows: 20, seed: 9)
        let model = try Self.build(name)
        #expect(throws: ClassicalModelError.self) { try model.fit(train, labels: [Float](repeating: 0, count: 20), valid: nil) }
        #expect(throws: ClassicalModelError.self) { try model.fit(train, labels: [0, 1], valid: nil) }
    }

    @Test func registryNamesEveryModelOnceWithDocumentedOptions() throws {
        let names = ClassicalModelRegistry.all.map(\.name)
        #expect(names == ["gbdt", "logistic_regression", "linear_svm", "knn", "extra_trees", "isolation_forest", "knn_distance", "ecod"])
        #expect(ClassicalModelRegistry.definition("isolation_forest")?.usesLabels == false)
        #expect(ClassicalModelRegistry.all.filter(\.usesLabels).count == 5)
        #expect(ClassicalModelRegistry.definition("xgboost_typo") == nil)
        for definition in ClassicalModelRegistry.all {
            #expect(definition.doc.contains("score"), "\(definition.name)")
            for field in definition.fields {
                #expect(!field.doc.isEmpty && !field.doc.contains("\n"), "\(definition.name).\(field.name)")
                // A default, or optional (absent means "derived", e.g. gbdt's scale_pos_weight).
                let optional = if case .optional = field.type { true } else { false }
                #expect(field.defaultValue != nil || optional, "\(definition.name).\(field.name) has no default")
            }
        }
    }

    /// Each options struct stands for its whole section: encoding it back gives the section.
    @Test func everyDefinitionDecodesItsWholeSection() throws {
        for definition in ClassicalModelRegistry.all {
            let section = try ConfigType.object(definition.fields).validate(.object([]), path: "")
            let encoded = ConfigDecoding.encode(definition.decode(section))
            #expect(section.differences(to: encoded).isEmpty, "\(definition.name): \(section.differences(to: encoded))")
        }
        let options = try #require(LogisticRegression.definition.decode(
            try ConfigType.object(LogisticRegression.definition.fields).validate(.object([("class_weight", "none"), ("c", 0.5)]), path: ""))
            as? LinearClassifier.Options)
        #expect(options == .init(c: 0.5, maxIterations: 200, classWeight: .unweighted))
    }

    @Test func defaultsAreTheDocumentedOnes() throws {
        func defaults(_ name: String) throws -> JSONValue {
            let d = try #require(ClassicalModelRegistry.definition(name))
            return try ConfigType.object(d.fields).validate(.object([]), path: "")
        }
        #expect(try defaults("logistic_regression") == .object([("c", 1), ("max_iterations", 200), ("class_weight", "balanced"), ("min_frequency", 1)]))
        #expect(try defaults("linear_svm") == .object([("c", 1), ("max_iterations", 1000), ("class_weight", "balanced"), ("min_frequency", 1)]))
        #expect(try defaults("knn") == .object([("k", 15), ("weights", "uniform"), ("min_frequency", 1)]))
        #expect(try defaults("isolation_forest") == .object([("trees", 100), ("max_samples", 256), ("min_frequency", 1)]))
    }
}
