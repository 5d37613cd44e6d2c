import ArgumentParser
import Datasets
import Foundation
import Tensor

struct BenchDataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Time loading the large synthetic shop: events.csv into typed columns, all four tables, and sequence preparation.",
        discussion: """
        Three phases, each timed from scratch in every repetition: (a) events.csv read into typed columns \
        (AtomicTable.read); (b) all four tables read and checked (RawDataset.load); (c) PreparedDataset.prepare on \
        the tables of (b): grouping by user, sorting by time, cutoffs, vocabularies, sequences of --max-length \
        events with the synthetic shop's extra columns (device, region, dwell), and the stratified split. \
        CPU s is user + system time of all threads. Peak memory is the process's VmHWM (/proc/self/status), \
        reset before each phase; for (c) it includes the tables it works on. The dataset is generated (preset large, seed 0) when the folder has no events.csv, \
        unless --no-generate is given. Compare with `python3 Benchmarks/pandas_events.py` (Benchmarks/README.md).
        """)

    @Option(help: "Dataset folder (events.csv, users.csv, items.csv, labels.csv).")
    var path = "Datasets/synthetic-large"

    @Flag(inversion: .prefixedNo, help: "Generate the large preset into --path when it has no events.csv.")
    var generate = true

    @Option(help: "Events kept per sample.")
    var maxLength = 50

    @Option(help: "Timed repetitions of each phase (the median is reported, with the range).")
    var repetitions = 3

    @Option(help: "Phases to run: read, load, prepare (comma-separated; prepare needs load).")
    var phases = "read,load,prepare"

    @Flag(help: ArgumentHelp("Print digests of the tables and the prepared dataset instead of timing.", visibility: .hidden))
    var fingerprint = false

    @OptionGroup var threadOptions: ThreadOptions

    func validate() throws {
        let unknown = Set(phaseList).subtracting(["read", "load", "prepare"])
        if !unknown.isEmpty { throw ValidationError("unknown phase(s) \(unknown.sorted()); valid: read, load, prepare") }
        if maxLength < 1 { throw ValidationError("--max-length must be at least 1, got \(maxLength)") }
        if repetitions < 1 { throw ValidationError("--repetitions must be at least 1, got \(repetitions)") }
    }

    func run() throws {
        if let t = threadOptions.threads { ComputeThreads.set(t) }
        printBuildWarning()
        let eventsPath = (path as NSString).appendingPathComponent("events.csv")
        if !FileManager.default.fileExists(atPath: eventsPath) {
            guard generate else {
                throw ValidationError("\(eventsPath) not found; run `fusionlab generate --preset large --out \(path)` or drop --no-generate")
            }
            print("\(eventsPath) not found; generating the large synthetic shop there (takes a few minutes)…")
            let seconds = try BenchTimer.elapsedSeconds { () throws -> Void in
                _ = try SyntheticShop(config: ShopConfig(preset: .large, seed: 0)).write(to: path)
            }
            print("generated in \(format(seconds)) s\n")
        }
        if fingerprint {
            let raw = try RawDataset.load(folder: path)
            for t in [raw.events, raw.labels, raw.users, raw.items].compactMap({ $0 }) { print("\(t.file): \(DataFingerprint.table(t))") }
            print("prepared: \(DataFingerprint.prepared(try PreparedDataset.prepare(raw, options: Self.options(maxLength: maxLength))))")
            return
        }
        let bench = DataBench(folder: path, options: Self.options(maxLength: maxLength), repetitions: repetitions, phases: Set(phaseList))
        try bench.run()
    }

    var phaseList: [String] { phases.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }

    /// The synthetic shop's experiment settings (Configs/datasets/synthetic-small.json) at `maxLength`.
    static func options(maxLength: Int) -> DataOptions {
        var options = DataOptions()
        options.maxLength = maxLength
        options.eventTokenColumns = ["device", "region"]
        options.eventFloatColumns = ["dwell"]
        return options
    }
}

/// The measurements of `fusionlab bench data`.
struct DataBench {
    var folder: String
    var options: DataOptions
    var repetitions: Int
    var phases: Set<String>

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
                try measure(&read) { events = try AtomicTable.read(path: eventsPath, displayName: "events.csv").rowCount }
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

#if os(Linux)
@_silgen_name("malloc_trim")
private func glibcMallocTrim(_ pad: Int) -> Int32
#endif

/// The process's peak resident set size (VmHWM), which Linux resets on writing 5 to clear_refs.
enum PeakMemory {
    static func reset() {
        // Return freed pages first, so the peak of the next phase does not start from the last one's.
        #if os(Linux)
        _ = glibcMallocTrim(0)
        #endif
        if let handle = FileHandle(forWritingAtPath: "/proc/self/clear_refs") {
            handle.write(Data("5".utf8))
            try? handle.close()
        }
    }

    static func bytes() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let kilobytes = line.split(separator: " ").compactMap { Int($0) }.first ?? 0
            return kilobytes * 1024
        }
        return 0
    }
}

/// User plus system CPU time of the whole process (all threads), in seconds.
func processCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

extension BenchTimer {
    static func elapsedSeconds<T>(_ body: () throws -> T) throws -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        _ = try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }
}
