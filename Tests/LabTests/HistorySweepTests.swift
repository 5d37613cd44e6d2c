import Foundation
import Testing
import Datasets
@testable import Lab

/// The one-pass-per-key history statistics equal their per-sample definitions.
@Suite struct HistorySweepTests {
    @Test func runningSummaryMatchesTheSortedList() {
        var generator = SystemRandomNumberGenerator()
        var running = RunningSummary(), values: [Double] = []
        for round in 0..<3 {
            running.reset(); values.removeAll()
            for _ in 0..<200 {
                // Large offsets and repeated values: the shifted sums and the heaps' ties.
                let v = 1e9 + Double(Int.random(in: 0..<50, using: &generator)) * (round == 0 ? 1 : 0.25)
                running.add(v); values.append(v)
                let sorted = values.sorted(), n = Double(values.count)
                let mean = values.reduce(0, +) / n
                let std = (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / n).squareRoot()
                let mid = sorted.count / 2
                let median = sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
                #expect(Swift.abs(running.mean - mean) < 1e-6 && Swift.abs(running.std - std) < 1e-6)
                #expect(running.median == median && running.min == sorted[0] && running.max == sorted.last! && running.last == v)
            }
        }
    }

    @Test func distinctCounterCountsPerReset() {
        var counter = DistinctCounter(size: 5)
        for id: Int32 in [3, 1, 3, -1, 3] { counter.add(id) }
        #expect(counter.distinct == 2 && counter.most == 3)
        counter.reset()
        #expect(counter.distinct == 0 && counter.most == 0)
        counter.add(1)
        #expect(counter.distinct == 1 && counter.most == 1)
    }

    @Test func samplesOfOneKeyInAnyOrderGetTheirOwnPrefix() throws {
        let folder = scratchDirectory()
        let events = (1...6).map { "a,\($0),view,i\($0 % 2),\($0)" }.joined(separator: "\n")
        let files = [
            "events.csv": "user_id:token,timestamp:float,event_type:token,item_id:token,dwell:float\n" + events,
            // Labels out of cutoff order, and a user without events (an empty history).
            "labels.csv": """
            sample_id:token,user_id:token,cutoff:float,label:float,split:token
            x1,a,6,0,train
            x2,a,2,1,train
            x3,a,4,0,test
            x4,z,4,0,valid
            """,
        ]
        for (name, text) in files { try (text + "\n").write(toFile: folder + "/" + name, atomically: true, encoding: .utf8) }
        let t = try FeatureExport.table(config: try FeatureExport.config(path: folder, overrides: ["data.split.strategy=column", "data.max_length=2"]),
                                        reporter: { _ in })
        func column(_ name: String) throws -> [Double?] { try #require(t.column(name)?.numbers).map { $0.isNaN ? nil : $0 } }
        #expect(try column("history_length") == [6, 2, 4, 0])
        #expect(try column("dwell_mean") == [3.5, 1.5, 2.5, nil])
        #expect(try column("dwell_median") == [3.5, 1.5, 2.5, nil])
        #expect(try column("dwell_last") == [6, 2, 4, nil])
        #expect(try column("distinct_items") == [2, 2, 2, 0])
        #expect(try column("repeat_ratio") == [1 - 2.0 / 6, 0, 0.5, nil])
        #expect(try column("span_seconds") == [5, 1, 3, nil])
        #expect(try column("gap_max") == [1, 1, 1, nil])
    }
}
