import ArgumentParser
import Lab

struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "List the runs of a study — variant (or modality set) × seed × fold — with stable ids, in the order `run` runs them.",
        discussion: """
        A run's id is its folder below <output.directory>/<name>/runs/ (<variant>/seed-<n>[/fold-<k>]); ids and order \
        depend on the config alone. `run --shard i/N` runs the runs at index i, i+N, i+2N, … (round-robin). The state \
        column says what the study folder holds: complete, unfinished (a staging folder: failed, killed or running) or \
        missing. With select.ablate, the second stage (ids under ablation-of-selected/) is listed once the first is complete.
        """)

    @OptionGroup var options: ConfigOptions

    @Option(help: "text, tsv (a header, then a line per run) or json.")
    var format: String = "text"

    @Option(help: "Also show which of N shards runs each run (as run --shard i/N).")
    var shards: Int?

    func validate() throws {
        guard ["text", "tsv", "json"].contains(format) else { throw ValidationError("--format must be text, tsv or json, got \(format)") }
        if let shards, shards < 1 { throw ValidationError("--shards must be at least 1, got \(shards)") }
    }

    func run() throws {
        try reportingErrors {
            let loaded = try options.loadAll()
            let listing = try StudyPlanListing(config: loaded, modes: RunCommand.ablationModes(loaded.resolved),
                                               masked: loaded.resolved.at("ablation.masked")?.boolValue ?? false, shards: shards)
            switch format {
            case "tsv": print(listing.tsv, terminator: "")
            case "json": print(listing.json.rendered())
            default: print(listing.text, terminator: "")
            }
        }
    }
}
