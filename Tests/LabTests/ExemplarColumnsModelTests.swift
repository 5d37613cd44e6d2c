import Foundation
import Testing
import Tensor
import Models
@testable import Lab

/// `tail_ensemble`'s second forest: it reads only the tail columns that single out the labelled
/// anomalies one by one.
@Suite struct ExemplarColumnsModelTests {
    /// The selection by hand. Columns 0–3 are candidates, column 4 is not (a raw value). Rows 0–3
    /// are normal, 4 and 5 anomalies.
    @Test func eachAnomalyKeepsTheColumnsFewestNormalsReach() {
        let rows: [[Float]] = [
            [1, 0, 1, 0, 0],
            [2, 0, 1, 0, 0],
            [3, 0, 1, 0, 0],
            [4, 9, 1, 0, 0],
            [5, 5, 1, 0.5, 99],  // no normal reaches 5 in column 0 nor 0.5 in column 3; one reaches 5 in column 1
            [2, 9, 3, 0, 99],    // none reaches 3 in column 2; one reaches 9 in column 1; three reach 2 in column 0
        ]
        let x = FeatureMatrix(rows: 6, names: ["a", "b", "c", "d", "raw"], cardinalities: [nil, nil, nil, nil, nil], values: rows.flatMap { $0 })
        let labels: [Float] = [0, 0, 0, 0, 1, 1]
        let candidates = [0, 1, 2, 3]
        func select(_ k: Int, _ labels: [Float]) -> [(row: Int, columns: [Int])] {
            ExemplarColumnsModel.columnsPerAnomaly(x, candidates: candidates, labels: labels, perAnomaly: k)
        }
        // Row 4: columns 0 and 3 tie at no normal; its larger value (5 > 0.5) puts column 0 first.
        // Row 5: column 2. The raw column, beyond every normal for both, is never a candidate.
        #expect(select(1, labels).map(\.row) == [4, 5])
        #expect(select(1, labels).map(\.columns) == [[0], [2]])
        // Second picks: row 4 column 3 (0 normals) before column 1 (1); row 5 column 1 (1) before
        // column 0 (3); third: row 4 column 1, row 5 column 0.
        #expect(select(2, labels).map(\.columns) == [[0, 3], [2, 1]])
        #expect(select(3, labels).map(\.columns) == [[0, 3, 1], [2, 1, 0]])
        // Without both classes there is nothing to single out.
        #expect(select(2, [0, 0, 0, 0, 0, 0]).isEmpty)
        #expect(select(2, [1, 1, 1, 1, 1, 1]).isEmpty)
    }

    /// Each exemplar lends its values in its own columns, and only those, to `copies` normal rows,
    /// which join as anomalies; the draw is the seed's.
    @Test func syntheticAnomaliesAreNormalRowsCarryingAnExemplarsColumns() {
        let rows: [[Float]] = [
            [1, 10, 100, 1000],
            [2, 20, 200, 2000],
            [3, 30, 300, 3000],
            [-1, -2, -3, -4],   // anomaly, far out in columns 0 and 2
            [-5, -6, -7, -8],   // anomaly, far out in column 3
        ]
        let x = FeatureMatrix(rows: 5, names: ["a", "b", "c", "d"], cardinalities: [nil, nil, nil, nil], values: rows.flatMap { $0 })
        let labels: [Float] = [0, 0, 0, 1, 1]
        let exemplars = [(row: 3, columns: [0, 2]), (row: 4, columns: [3])]
        let (augmented, extended) = ExemplarColumnsModel.withSyntheticAnomalies(x, labels: labels, exemplars: exemplars, copies: 3, seed: 5)
        #expect(augmented.rows == 5 + 2 * 3 && extended == labels + [Float](repeating: 1, count: 6))
        #expect(Array(augmented.values.prefix(20)) == x.values, "the original rows come first, unchanged")
        var bases = Set<Int>()
        for k in 0..<6 {
            let row = Array(augmented.values[(5 + k) * 4 ..< (6 + k) * 4])
            let (anomaly, columns) = exemplars[k / 3]
            // The exemplar's columns hold its values; every other column is one normal row's.
            for j in columns { #expect(row[j] == rows[anomaly][j]) }
            let base = (0..<3).first { n in (0..<4).allSatisfy { j in columns.contains(j) || row[j] == rows[n][j] } }
            #expect(base != nil, "synthetic row \(k): \(row)")
            if let base { bases.insert(base) }
        }
        #expect(bases.count > 1, "six draws from three normal rows all fell on one")
        let again = ExemplarColumnsModel.withSyntheticAnomalies(x, labels: labels, exemplars: exemplars, copies: 3, seed: 5)
        #expect(again.features.values == augmented.values)
        // No copies, or no normal row to carry them: the rows as they were.
        #expect(ExemplarColumnsModel.withSyntheticAnomalies(x, labels: labels, exemplars: exemplars, copies: 0, seed: 5).features.rows == 5)
        #expect(ExemplarColumnsModel.withSyntheticAnomalies(x, labels: [1, 1, 1, 1, 1], exemplars: exemplars, copies: 3, seed: 5).features.rows == 5)
    }

    /// Three anomaly types, each a little far out in its own one of 60 noisy columns: the
    /// labelled anomalies point at those three columns, and a forest on them ranks held-out
    /// samples better than the same forest on every tail column.
    @Test func theSelectedColumnsAreEachTypesOwnAndTheForestOnThemLearns() throws {
        var g = RandomGenerator(seed: 17)
        let rows = 1500, columns = 60, signal = [7, 23, 41]
        func uniform() -> Float { Float(Double(g.next() >> 11) / Double(1 << 53)) }
        var values: [Float] = [], labels: [Float] = []
        for _ in 0..<rows {
            var row = (0..<columns).map { _ in uniform() }
            let u = uniform()
            // 4% of each type: its column drawn from the top 3% of the normal range, so a few
            // normal samples reach as far.
            if let type = [0.04, 0.08, 0.12].firstIndex(where: { Double(u) < $0 }) { row[signal[type]] = 0.97 + 0.03 * uniform() }
            values += row
            labels.append(u < 0.12 ? 1 : 0)
        }
        let matrix = FeatureMatrix(rows: rows, names: (0..<columns).map { "x\($0)" }, cardinalities: [Int?](repeating: nil, count: columns), values: values)
        let labelled = Array(0..<300), held = Array(300..<rows)
        let tails = TailFeatures(fitting: matrix, rows: Array(0..<rows))
        let options = SemiSupervisedCrossValidation.ensembleTrees
        let exemplars = ExemplarColumnsModel(ExtraTrees(options: options, seed: 3), candidates: tails.tailColumns, perAnomaly: 2,
                                             syntheticPerAnomaly: SemiSupervisedCrossValidation.syntheticAnomaliesPerExemplar, seed: 3)
        let viaTails = TailFeatureModel(exemplars, tails: tails)
        let everything = TailFeatureModel(ExtraTrees(options: options, seed: 3), tails: tails)
        for model in [viaTails, everything] {
            try model.fit(matrix.selecting(rows: labelled), labels: labelled.map { labels[$0] }, valid: nil)
        }
        let names = tails.names
        let picked = Set(exemplars.selected.map { names[$0] })
        #expect(signal.allSatisfy { picked.contains("tail_hi_x\($0)") }, "\(picked.sorted())")
        #expect(exemplars.selected.allSatisfy { tails.tailColumns.contains($0) })
        let anomalies = labelled.filter { labels[$0] == 1 }.count
        #expect(picked.count <= 2 * anomalies && picked.count < tails.tailColumns.count / 2, "\(picked.count) of \(tails.tailColumns.count)")

        let truth = held.map { labels[$0] == 1 }, x = matrix.selecting(rows: held)
        let viaExemplars = RankingCurve(scores: viaTails.score(x).map(Double.init), labels: truth).rocAUC ?? 0
        let viaEverything = RankingCurve(scores: everything.score(x).map(Double.init), labels: truth).rocAUC ?? 0
        // A normal sample is as far out in one of the three columns 9% of the time, so no ranking is perfect.
        #expect(viaExemplars > 0.9 && viaExemplars > viaEverything + 0.05, "exemplars \(viaExemplars), every column \(viaEverything)")
        #expect(viaTails.summary.contains("\(picked.count) columns that single out"))
    }
}
