import Foundation
import Datasets

/// Each sample's history measured against everyone's, over its whole visible history (every event
/// of its key at or before its cutoff): for every events.csv float column but `timestamp`, the
/// values themselves and their deviation from each event's item mean; and how popular the
/// history's items are. A rating of 5 says little; many 5s on items everyone else rates 2 is
/// rating manipulation, and trees cannot compute item means from per-sample rows themselves.
///
/// One pass per sequence key (`HistorySweep`), not one per sample.
///
/// Leakage: item means and counts are `PopulationStatistics` over the training samples' whole
/// visible histories (each event row once, leave-one-out for counted events, item means shrunk
/// toward the column mean by one pseudo-event) — the rule of the encoder's population features.
enum PopulationAggregates {
    /// events.csv float columns summarised: all but the timestamp, named by the dataset.
    static func floatColumns(_ events: AtomicTable) -> [String] {
        events.columns.filter { $0.floatValues != nil && $0.name != "timestamp" }.map(\.name)
    }

    /// The statistics the columns are measured against (exposed for the leakage tests).
    static func statistics(events: AtomicTable, histories h: SampleEvents, training: [Bool]) -> PopulationStatistics {
        PopulationStatistics(events: events, floatColumns: floatColumns(events), order: h.index.order, ranges: h.histories, training: training)
    }

    /// Per float column `<column>_{mean,std,min,median,max}`, `<column>_last` (latest finite value),
    /// `<column>_vs_item_mean` (mean signed deviation from the item's mean), `<column>_vs_item_abs_mean`
    /// and `<column>_vs_item_abs_max` (of |deviation|), `<column>_vs_item_last` (the latest one's: the
    /// event a sample is usually about), over events with an item and a value; then
    /// `log_item_count_{mean,min,max}` (log(1 + training events of the item, the event itself
    /// excluded)) and `unseen_item_share` (share of item events whose item no other training event has).
    static func columns(events: AtomicTable, histories h: SampleEvents, training: [Bool]) -> [FeatureColumn] {
        let statistics = statistics(events: events, histories: h, training: training)
        let n = h.histories.count, missing = Double.nan
        let itemOfRow = statistics.itemOfRow, counted = statistics.counted, columns = statistics.columns
        let values = columns.map(\.values)

        // Output columns, then the running state of one key's history so far.
        var summaries = columns.map { SummaryColumns(prefix: $0.name, count: n) }
        let none = [Double](repeating: missing, count: n)
        var last = [[Double]](repeating: none, count: columns.count), signed = last, absMean = last, absMax = last, lastDeviation = last
        var popularityMean = none, popularityMin = none, popularityMax = none, unseen = none
        var running = [RunningSummary](repeating: RunningSummary(), count: columns.count)
        var deviations = [Double](repeating: 0, count: columns.count), sum = deviations, sumAbs = deviations, maxAbs = deviations
        var latest = [Double](repeating: .nan, count: columns.count)
        var itemEvents = 0.0, logCountSum = 0.0, logCountMin = Double.infinity, logCountMax = -Double.infinity, never = 0.0
        HistorySweep.run(h, reset: {
            for c in columns.indices { running[c].reset(); deviations[c] = 0; sum[c] = 0; sumAbs[c] = 0; maxAbs[c] = 0; latest[c] = .nan }
            itemEvents = 0; logCountSum = 0; logCountMin = .infinity; logCountMax = -.infinity; never = 0
        }, add: { r in
            let item = itemOfRow[r]
            for c in columns.indices where values[c][r].isFinite {
                running[c].add(values[c][r])
                let d = columns[c].deviation(row: r, item: item, counted: counted[r])
                guard d.isFinite else { continue }
                deviations[c] += 1; sum[c] += d; sumAbs[c] += Swift.abs(d); maxAbs[c] = Swift.max(maxAbs[c], Swift.abs(d)); latest[c] = d
            }
            guard item >= 0 else { return }
            let others = statistics.countExcludingSelf(r), v = Foundation.log1p(others)
            itemEvents += 1; logCountSum += v; logCountMin = Swift.min(logCountMin, v); logCountMax = Swift.max(logCountMax, v)
            if others == 0 { never += 1 }
        }, emit: { i in
            for c in columns.indices {
                summaries[c].set(i, running[c])
                if running[c].count > 0 { last[c][i] = running[c].last }
                if deviations[c] > 0 {
                    signed[c][i] = sum[c] / deviations[c]; absMean[c][i] = sumAbs[c] / deviations[c]; absMax[c][i] = maxAbs[c]
                    lastDeviation[c][i] = latest[c]
                }
            }
            guard itemEvents > 0 else { return }
            popularityMean[i] = logCountSum / itemEvents; popularityMin[i] = logCountMin; popularityMax[i] = logCountMax
            unseen[i] = never / itemEvents
        })

        var out: [FeatureColumn] = []
        for (c, column) in columns.enumerated() {
            out += summaries[c].columns
            out += [FeatureColumn(column.name + "_last", numbers: last[c]), FeatureColumn(column.name + "_vs_item_mean", numbers: signed[c]),
                    FeatureColumn(column.name + "_vs_item_abs_mean", numbers: absMean[c]),
                    FeatureColumn(column.name + "_vs_item_abs_max", numbers: absMax[c]),
                    FeatureColumn(column.name + "_vs_item_last", numbers: lastDeviation[c])]
        }
        out += [FeatureColumn("log_item_count_mean", numbers: popularityMean), FeatureColumn("log_item_count_min", numbers: popularityMin),
                FeatureColumn("log_item_count_max", numbers: popularityMax), FeatureColumn("unseen_item_share", numbers: unseen)]
        return out
    }
}
