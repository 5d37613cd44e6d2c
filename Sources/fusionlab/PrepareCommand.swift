import ArgumentParser
import Foundation
import Lab

struct PrepareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prepare",
        abstract: "Prepare a dataset once into a cache of binary columns that runs read batch by batch (data.cache).",
        discussion: """
        Writes the model-ready dataset — the split, every sequence, profile and attribute row, the decoded and resized \
        images, the vocabularies and statistics fitted on the training split — as one binary column per file under \
        CACHE/columns/ with CACHE/manifest.json (format version, column names, types, shapes and CRC-32C checksums per \
        1 MiB block, the source files' sizes and modification times, and the config's data fields). A run with \
        data.cache=CACHE reads its batches from these files with pread, so its memory is the batch and the model, not \
        the dataset. A run refuses the cache when a checksum fails (naming the file and bytes), or when the data files \
        or the config's data fields differ from those it was prepared from (naming each change). Preparing reads \
        the events into files in the cache's staging folder and prepares them in passes, a few columns and one \
        chunk of samples at a time, so its memory stays well below the data's (docs/SCALING.md).
        """)

    @Argument(help: "Dataset folder (docs/DATASETS.md).")
    var data: String

    @Option(help: "Cache folder to write (written beside, renamed into place when complete).")
    var out: String

    @Option(help: "Experiment config whose data section says how to prepare (default: the default data options).")
    var config: String?

    @Option(name: .customLong("set"), help: ArgumentHelp("Override a config value: --set data.max_length=100 (repeatable).", valueName: "key.path=value"))
    var overrides: [String] = []

    @Flag(help: "Replace an existing cache at --out.")
    var force = false

    @OptionGroup var threadOptions: ThreadOptions

    func run() throws {
        try reportingErrors {
            var overrides = self.overrides
            if let t = threadOptions.threads { overrides.append("threads=\(t)") }
            let config = try FeatureExport.config(path: self.config ?? data, overrides: overrides)
            print(try CachePreparation.prepare(config: config, dataPath: data, out: out, overwrite: force))
        }
    }
}
