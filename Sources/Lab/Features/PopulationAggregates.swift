import Foundation
import Datasets

/// Each sample's history measured against everyone's, over its whole visible history (every event
/// of its key at or before its cutoff): for every events.csv float column but `timestamp`, the
/// values themselves and their deviation from each event's item mean; and how popular the
/// history's items are. A rating of 5 says little; many 5s on items everyone else rates 2 is
/// rating manipulation, and trees cannot compute item means from per-sample rows themselves.
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
    /// and `<column>_vs_item_abs_max` (of |deviation|), over events with an item and a value; then
    /// `log_item_count_{mean,min,max}` (log(1 + training events of the item, the event itself
    /// excluded)) and `unseen_item_share` (share of item events whose item no other training event has).
    static func columns(events: AtomicTable, histories h: SampleEvents, training: [Bool]) -> [FeatureColumn] {
        let statistics = statistics(events: events, histories: h, training: training)
        let n = h.histories.count, missing = Double.nan
        let itemOfRow = statistics.itemOfRow, counted = statistics.counted
        var out: [FeatureColumn] = []
        var values: [Double] = []
        for column in statistics.columns {
            var summary = SummaryColumns(prefix: column.name, count: n)
            var last = [Double](repeating: missing, count: n), signed = last, absMean = last, absMax = last
            for i in 0..<n {
                let rows = h.historyRows(i)
                values.removeAll(keepingCapacity: true)
                var deviations = 0.0, sum = 0.0, sumAbs = 0.0, maxAbs = 0.0
                for r32 in rows {
                    let r = Int(r32), v = column.values[r]
                    guard v.isFinite else { continue }
                    values.append(v)
                    let d = column.deviation(row: r, item: itemOfRow[r], counted: counted[r])
                    guard d.isFinite else { continue }
                    deviations += 1; sum += d; sumAbs += Swift.abs(d); maxAbs = Swift.max(maxAbs, Swift.abs(d))
                }
                if let v = values.last { last[i] = v }
                summary.set(i, &values)
                if deviations > 0 { signed[i] = sum / deviations; absMean[i] = sumAbs / deviations; absMax[i] = maxAbs }
            }
            out += summary.columns
            out += [FeatureColumn(column.name + "_last", numbers: last), FeatureColumn(column.name + "_vs_item_mean", numbers: signed),
                    FeatureColumn(column.name + "_vs_item_abs_mean", numbers: absMean), FeatureColumn(column.name + "_vs_item_abs_max", numbers: absMax)]
        }

        var mean = [Double](repeating: missing, count: n), low = mean, high = mean, unseen = mean
        for i in 0..<n {
            var events = 0.0, sum = 0.0, lowest = Double.infinity, highest = -Double.infinity, never = 0.0
            for r32 in h.historyRows(i) where itemOfRow[Int(r32)] >= 0 {
                let others = statistics.countExcludingSelf(Int(r32)), v = Foundation.log1p(others)
                events += 1; sum += v; lowest = Swift.min(lowest, v); highest = Swift.max(highest, v)
                if others == 0 { never += 1 }
            }
            guard events > 0 else { continue }
            mean[i] = sum / events; low[i] = lowest; high[i] = highest; unseen[i] = never / events
        }
        out += [FeatureColumn("log_item_count_mean", numbers: mean), FeatureColumn("log_item_count_min", numbers: low),
                FeatureColumn("log_item_count_max", numbers: high), FeatureColumn("unseen_item_share", numbers: unseen)]
        return out
    }
}
