import Foundation
import Testing
@testable import Models

/// The label-free detectors on data small enough to work out by hand.
@Suite struct LabelFreeDetectorTests {
    func column(_ values: [Float]) -> FeatureMatrix {
        FeatureMatrix(rows: values.count, names: ["x"], cardinalities: [nil], values: values)
    }

    func close(_ a: [Float], _ b: [Double], tolerance: Double = 1e-5) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { abs(Double($0) - $1) <= tolerance }
    }

    @Test func ecodSumsTheFartherTailOfEachFeature() throws {
        // Training values 0, 1, 2, 3, 10: skewed right. Scored as one more sample, a value's left
        // tail is (#≤x + 1)/6 and its right tail (#≥x + 1)/6.
        let train = column([0, 1, 2, 3, 10])
        let model = ECOD(options: .init())
        try model.fit(train, labels: [0, 0, 0, 0, 0], valid: nil)
        #expect(close(model.score(train), [log(3), log(2), log(1.5), log(2), log(3)]))
        // Beyond every training value: the right tail is 1/6; below them all, the left.
        #expect(close(model.score(column([20, -5])), [log(6), log(6)]))
        // Features add up; a constant feature's value has every training value on both sides, so
        // it adds −log(6/6) = 0 whatever its skew rule.
        let two = FeatureMatrix(rows: 5, names: ["x", "c"], cardinalities: [nil, nil], values: [0, 7, 1, 7, 2, 7, 3, 7, 10, 7])
        try model.fit(two, labels: [0, 0, 0, 0, 0], valid: nil)
        #expect(close(model.score(FeatureMatrix(rows: 1, names: ["x", "c"], cardinalities: [nil, nil], values: [10, 7])), [log(3) + 0]))
        #expect(ECOD.skewnessSign([0, 1, 2, 3, 10]) == 1 && ECOD.skewnessSign([0, -1, -2, -3, -10]) == -1
                && ECOD.skewnessSign([1, 2, 3]) == 0 && ECOD.skewnessSign([4, 4, 4]) == 0)
    }

    @Test func knnDistanceIsTheDistanceToTheKthNeighbour() throws {
        // 1-D training points 0, 1, 3, 7, scored leave-one-out: nearest-neighbour distances 1, 1,
        // 2, 4; mean of the two nearest 2, 1.5, 2.5, 5. Standardising divides every distance by
        // the same scale, so the ratios are the raw ones.
        let train = column([0, 1, 3, 7])
        let largest = NearestNeighbourDistance(options: .init(k: 1, method: .largest))
        try largest.fit(train, labels: [0, 0, 0, 0], valid: nil)
        let l = largest.score(train)
        #expect(close(l.map { $0 / l[0] }, [1, 1, 2, 4]))
        let mean = NearestNeighbourDistance(options: .init(k: 2, method: .mean))
        try mean.fit(train, labels: [0, 0, 0, 0], valid: nil)
        let m = mean.score(train)
        #expect(close(m.map { $0 / m[0] }, [1, 0.75, 1.25, 2.5]))
        // A new point is not left out of anything: 8 is 1 from 7.
        #expect(close([largest.score(column([8]))[0] / l[0]], [1]))
    }

    @Test(arguments: ["ecod", "knn_distance", "isolation_forest"])
    func labelFreeModelsNeverReadLabels(name: String) throws {
        #expect(ClassicalModelRegistry.definition(name)?.usesLabels == false)
        var g = SystemRandomNumberGenerator()
        let rows = 60
        let x = FeatureMatrix(rows: rows, names: ["a", "b"], cardinalities: [nil, nil],
                              values: (0..<(2 * rows)).map { _ in Float.random(in: -1...1, using: &g) })
        func scores(_ labels: [Float]) throws -> [Float] {
            let model = try ClassicalModelTests.build(name)
            try model.fit(x, labels: labels, valid: nil)
            return model.score(x)
        }
        #expect(try scores([Float](repeating: 0, count: rows)) == scores((0..<rows).map { Float($0 % 2) }))
    }

    @Test func labelFreeDetectorsRankPlantedOutliersFirst() throws {
        // 200 points in a Gaussian blob and 5 far away: each detector ranks the 5 at the top.
        var state: UInt64 = 42
        func uniform() -> Float { state = state &* 6364136223846793005 &+ 1442695040888963407; return Float(state >> 40) / Float(1 << 24) }
        func normal() -> Float { (-2 * log(max(uniform(), 1e-7))).squareRoot() * cos(2 * .pi * uniform()) }
        var values: [Float] = []
        for _ in 0..<200 { values += [normal(), normal(), normal()] }
        for k in 0..<5 { values += [6 + Float(k), -6, 5] }
        let x = FeatureMatrix(rows: 205, names: ["a", "b", "c"], cardinalities: [nil, nil, nil], values: values)
        for model in [ECOD(options: .init()), NearestNeighbourDistance(options: .init())] as [any ClassicalModel] {
            try model.fit(x, labels: [Float](repeating: 0, count: 205), valid: nil)
            let s = model.score(x)
            let top = s.indices.sorted { s[$0] > s[$1] }.prefix(5)
            #expect(Set(top) == Set(200..<205), "\(model.summary): top rows \(Array(top))")
        }
    }
}
