import Foundation
import Testing
import TestSupport
@testable import Models

/// The linear models and k nearest neighbours against scikit-learn on the same data:
/// Tests/Fixtures/sklearn_classical.json, written once by Tests/Fixtures/make_classical_fixture.py
/// (which states each reference in scikit-learn's terms).
@Suite struct SklearnClassicalTests {
    struct Reference: Decodable {
        struct Linear: Decodable {
            var c: Double
            var class_weight: String
            var coefficients: [Double]
            var intercept: Double
            var probabilities: [Double]?
            var decision_values: [Double]?
        }
        struct Neighbours: Decodable {
            var k: Int
            var weights: String
            var probabilities: [Double]
            var leave_one_out: [Double]?
        }
        var sklearn: String
        var columns: [String]
        var train: [[Double]], train_labels: [Int]
        var score: [[Double]]
        var logistic: [Linear], linear_svc: [Linear], knn: [Neighbours]

        func matrix(_ rows: [[Double]]) -> FeatureMatrix {
            FeatureMatrix(rows: rows.count, names: columns, cardinalities: columns.map { _ in nil }, values: rows.flatMap { $0.map(Float.init) })
        }
        var labels: [Float] { train_labels.map(Float.init) }
    }

    static let reference: Reference = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/sklearn_classical.json")
        return try! JSONDecoder().decode(Reference.self, from: Data(contentsOf: url))
    }()

    @Test func theFixtureCoversBothCsBothWeightingsAndTwoKs() {
        let r = Self.reference
        #expect(r.logistic.count == 4 && r.linear_svc.count == 4 && r.knn.count == 4)
        #expect(r.train.count == 120 && r.score.count == 40 && r.train_labels.reduce(0, +) == 30)
    }

    @Test(arguments: 0..<4)
    func logisticRegressionMatchesScikitLearn(index: Int) throws {
        let r = Self.reference, want = r.logistic[index]
        let model = LogisticRegression.make(options: .init(c: want.c, maxIterations: 1000, classWeight: ClassWeight(rawValue: want.class_weight)!))
        try model.fit(r.matrix(r.train), labels: r.labels, valid: nil)
        let probabilities = maxAbsoluteDifference(model.score(r.matrix(r.score)), want.probabilities!)
        let coefficients = maxAbsoluteDifference(model.coefficients + [model.intercept], want.coefficients + [want.intercept])
        print("logistic C=\(want.c) \(want.class_weight): max |Δp| \(probabilities), max |Δcoef| \(coefficients); \(model.summary)")
        #expect(probabilities <= 1e-4)
        #expect(coefficients <= 1e-3)
    }

    @Test(arguments: 0..<4)
    func linearSVMMatchesLinearSVC(index: Int) throws {
        let r = Self.reference, want = r.linear_svc[index]
        let model = LinearSVM.make(options: .init(c: want.c, maxIterations: 1000, classWeight: ClassWeight(rawValue: want.class_weight)!))
        try model.fit(r.matrix(r.train), labels: r.labels, valid: nil)
        let decisions = maxAbsoluteDifference(model.score(r.matrix(r.score)), want.decision_values!)
        let coefficients = maxAbsoluteDifference(model.coefficients + [model.intercept], want.coefficients + [want.intercept])
        print("linear_svm C=\(want.c) \(want.class_weight): max |Δdecision| \(decisions), max |Δcoef| \(coefficients); \(model.summary)")
        #expect(decisions <= 1e-3)
        #expect(coefficients <= 1e-3)
    }

    @Test(arguments: 0..<4)
    func knnMatchesKNeighborsClassifier(index: Int) throws {
        let r = Self.reference, want = r.knn[index]
        let model = NearestNeighbours(options: .init(k: want.k, weights: .init(rawValue: want.weights)!))
        try model.fit(r.matrix(r.train), labels: r.labels, valid: nil)
        let scores = model.score(r.matrix(r.score))
        if want.weights == "uniform" {
            // Shares of k: the same neighbours give exactly the same fraction.
            #expect(scores == want.probabilities.map { Float($0) }, "k=\(want.k)")
            let loo = try #require(want.leave_one_out)
            #expect(model.score(r.matrix(r.train)) == loo.map { Float($0) }, "k=\(want.k) leave-one-out")
        } else {
            let difference = maxAbsoluteDifference(scores, want.probabilities)
            print("knn k=\(want.k) distance: max |Δp| \(difference)")
            #expect(difference <= 1e-5)
        }
    }
}

/// The hand-written gradients of the linear objectives against central differences (the shared
/// `checkGradients` helper differentiates Tensor graphs; these objectives are plain buffers).
@Suite struct LinearObjectiveGradientTests {
    @Test(arguments: [LinearObjective.Loss.logistic, .squaredHinge])
    func gradientMatchesCentralDifferences(loss: LinearObjective.Loss) {
        let (data, labels) = ClassicalData.separable(rows: 40, seed: 12)
        let p = FeaturePreprocessing(fitting: data)
        let costs = ClassWeight.balanced.rowWeights(labels).map { $0 * 0.7 }
        let objective = LinearObjective(loss: loss, design: p.transform(data), rows: data.rows, columns: p.width, labels: labels, costs: costs)
        var x = (0..<(p.width + 1)).map { 0.3 * sin(Double($0) + 1) }
        var g = [Double](repeating: 0, count: x.count), scratch = g
        func value(_ x: [Double]) -> Double {
            x.withUnsafeBufferPointer { xp in scratch.withUnsafeMutableBufferPointer { objective.evaluate(xp, $0) } }
        }
        _ = x.withUnsafeBufferPointer { xp in g.withUnsafeMutableBufferPointer { objective.evaluate(xp, $0) } }
        let epsilon = 1e-3
        for i in x.indices {
            let saved = x[i]
            x[i] = saved + epsilon; let plus = value(x)
            x[i] = saved - epsilon; let minus = value(x)
            x[i] = saved
            let numeric = (plus - minus) / (2 * epsilon)
            #expect(Swift.abs(numeric - g[i]) <= 1e-2 + 1e-3 * Swift.abs(numeric), "\(loss) parameter \(i): analytic \(g[i]), numeric \(numeric)")
        }
    }
}
