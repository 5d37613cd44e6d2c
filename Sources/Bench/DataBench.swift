import Datasets
import Foundation
import Tensor

/// The measurements of `fusionlab bench data`.
public struct DataBench {
    public static let phaseNames = ["read", "load", "prepare"]

    var folder: String
    var options: DataOptions
    var repetitions: Int
    var phases: Set<String>

    /// Times the wanted phases on the dataset in `folder` (generated first when it has no
    /// events.csv and `generateIfAbsent`), or with `fingerprint` prints digests instead.
    public static func run(folder path: String, generateIfAbsent generate: Bool, maxLength: Int, repetitions: Int,
                           phases: Set<String>, fingerprint: Bool, threads: Int?) throws {
        if let threads { ComputeThreads.set(threads) }
        printBuildWarning()
        let eventsPath = (path as NSString).appendingPathComponent("events.csv")
        if !FileManager.default.fileExists(atPath: eventsPath) {
            guard generate else { throw DataBenchError.datasetMissing(eventsPath: eventsPath, folder: path) }
            print("\(eventsPath) not found; generating the large synthetic shop there (takes a few minutes)…")
            let seconds = try BenchTimer.elapsedSeconds { () throws -> Void in
                _ = try SyntheticShop(config: ShopConfig(preset: .large, seed: 0)).write(to: path)
            }
            print("generated in \(format(seconds)) s\n")
        }
        if fingerprint {
            let raw = try RawDataset.load(folder: path)
            for t in [raw.events, raw.labels, raw.users, raw.items].compactMap({ $0 }) { print("\(t.file): \(DataFingerprint.table(t))") }
            print("prepared: \(DataFingerprint.prepared(try PreparedDataset.prepare(raw, options: options(maxLength: maxLength))))")
            return
        }
        let bench = DataBench(folder: path, options: options(maxLength: maxLength), repetitions: repetitions, phases: phases)
        try bench.run()
    }

    /// The synthetic shop's experiment settings (Configs/datasets/synthetic-small.json) at `maxLength`.
    static func options(maxLength: Int) -> DataOptions {
        var options = DataOptions()
        options.maxLength = maxLength
        options.eventTokenColumns = ["device", "region"]
        options.eventFloatColumns = ["dwell", "rating"]
        return options
    }

    struct Phase {
        var name: String
        var seconds: [Double] = []
        var peakBytes: [Int] = []
        var cpuSeconds: [Double] = []
        var median: Double { seconds.sorted()[seconds.count / 2] }
        var medianPeak: Int { peakBytes.sorted()[peakBytes.count / 2] }
        var medianCPU: Double { cpuSeconds.sorted()[cpuSeconds.count / 2] }
    }

    func run() throws {
        let eventsPath = (folder as NSString).appendingPathComponent("events.csv")
        let fileBytes = (try? FileManager.default.attributesOfItem(atPath: eventsPath)[.size] as? Int) ?? 0
        let allBytes = ["events", "labels", "users", "items"].reduce(0) { sum, name in
            sum + ((try? FileManager.default.attributesOfItem(atPath: (folder as NSString).appendingPathComponent(name + ".csv"))[.size] as? Int) ?? 0)
        }
        print("FusionLab data benchmark — \(folder), threads: \(ComputeThreads.count), max length \(options.maxLength), "
              + "repetitions: \(repetitions) (median, [min–max])\n")

        var read = Phase(name: "(a) events.csv → typed columns")
        var load = Phase(name: "(b) all four tables (RawDataset.load)")
        var prepare = Phase(name: "(c) prepare: group, sort, cutoff, vocabularies, sequences, split")
        var events = 0, samples = 0
        var lastReport: PreparationReport?
        for _ in 0..<repetitions {
            if phases.contains("read") {
                // The table is freed after the clock stops, as pandas_events.py's frame is (and (b)'s tables).
                var table: AtomicTable?
                try measure(&read) { table = try AtomicTable.read(path: eventsPath, displayName: "events.csv") }
                events = table!.rowCount
                table = nil
            }
            guard phases.contains("load") || phases.contains("prepare") else { continue }
            var raw: RawDataset?
            try measure(&load) { raw = try RawDataset.load(folder: folder) }
            events = raw!.events.rowCount
            guard phases.contains("prepare") else { continue }
            // The tables stay resident during (c), as they do in a run; the peak is reset after loading.
            try measure(&prepare) {
                let prepared = try PreparedDataset.prepare(raw!, options: options)
                samples = prepared.sampleCount
                lastReport = prepared.report
            }
            raw = nil
        }

        var table = TextTable(header: ["phase", "seconds", "CPU s", "events/s (M)", "MB/s", "peak resident MB"])
        for (phase, bytes) in [(read, fileBytes), (load, allBytes), (prepare, 0)] where !phase.seconds.isEmpty {
            table.add([phase.name, timeCell(phase), format(phase.medianCPU, 2), format(Double(events) / phase.median / 1e6, 2),
                       bytes > 0 ? format(Double(bytes) / phase.median / 1e6, 0) : "",
                       format(Double(phase.medianPeak) / 1e6, 0)])
        }
        if !prepare.seconds.isEmpty {
            let total = load.median + prepare.median
            table.add(["(b)+(c) files → model-ready sequences", format(total, 2), format(load.medianCPU + prepare.medianCPU, 2),
                       format(Double(events) / total / 1e6, 2), format(Double(allBytes) / total / 1e6, 0),
                       format(Double(max(load.medianPeak, prepare.medianPeak)) / 1e6, 0)])
        }
        print(table.render() + "\n")
        print("events.csv: \(format(Double(fileBytes) / 1e6)) MB, \(events) events; all four tables \(format(Double(allBytes) / 1e6)) MB; "
              + (lastReport.map { "\(samples) samples; \($0.truncatedSequences) sequences truncated to \(options.maxLength); "
                  + "\($0.samplesWithoutEvents) samples without events" } ?? ""))
    }

    private func timeCell(_ p: Phase) -> String {
        let s = p.seconds.sorted()
        return "\(format(p.median, 2)) [\(format(s.first!, 2))–\(format(s.last!, 2))]"
    }

    /// Times `body` and records the peak resident memory while it ran (VmHWM, reset before).
    private func measure(_ phase: inout Phase, _ body: () throws -> Void) throws {
        PeakMemory.reset()
        let cpu = processCPUSeconds()
        let seconds = try BenchTimer.elapsedSeconds(body)
        phase.seconds.append(seconds)
        phase.cpuSeconds.append(processCPUSeconds() - cpu)
        phase.peakBytes.append(PeakMemory.bytes())
    }
}

/// Why `fusionlab bench data` cannot start.
public enum DataBenchError: Error, CustomStringConvertible {
    case datasetMissing(eventsPath: String, folder: String)

    public var description: String {
        switch self {
        case let .datasetMissing(eventsPath, folder):
            "\(eventsPath) not found; run `fusionlab generate --preset large --out \(folder)` or drop --no-generate"
        }
    }
}
