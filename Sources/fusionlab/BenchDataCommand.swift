import ArgumentParser
import Bench
import Foundation

struct BenchDataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Time loading the large synthetic shop: events.csv into typed columns, all four tables, and sequence preparation.",
        discussion: """
        Three phases, each timed from scratch in every repetition: (a) events.csv read into typed columns \
        (AtomicTable.read); (b) all four tables read and checked (RawDataset.load); (c) PreparedDataset.prepare on \
        the tables of (b): grouping by user, sorting by time, cutoffs, vocabularies, sequences of --max-length \
        events with the synthetic shop's extra columns (device, region, dwell, and the items.csv columns joined to events), and the stratified split. \
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
        let unknown = Set(phaseList).subtracting(DataBench.phaseNames)
        if !unknown.isEmpty { throw ValidationError("unknown phase(s) \(unknown.sorted()); valid: \(DataBench.phaseNames.joined(separator: ", "))") }
        if maxLength < 1 { throw ValidationError("--max-length must be at least 1, got \(maxLength)") }
        if repetitions < 1 { throw ValidationError("--repetitions must be at least 1, got \(repetitions)") }
    }

    func run() throws {
        do {
            try DataBench.run(folder: path, generateIfAbsent: generate, maxLength: maxLength, repetitions: repetitions,
                              phases: Set(phaseList), fingerprint: fingerprint, threads: threadOptions.threads)
        } catch let error as DataBenchError {
            throw ValidationError(error.description)
        }
    }

    var phaseList: [String] { phases.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
}
