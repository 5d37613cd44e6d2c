import ArgumentParser
import Foundation
import Lab

struct ScoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Score the samples of a dataset folder with a trained run folder.",
        discussion: """
        RUN is a published neural run folder (Results/<study>/runs/<variant>/seed-N): its config, model.safetensors, \
        preprocessing.json (vocabularies, standardisers, population statistics, threshold, schema) and, with \
        consistency heads, consistency.safetensors. DATA is a dataset folder of the same format as the run's. Every \
        sample of its labels.csv (or of --samples FILE: a labels.csv-shaped file, label optional) is prepared with the \
        run's training statistics — tokens the run never saw become the unknown token, a missing table, image or \
        history masks its modality — and scored in chunks of 512 samples. The CSV has predictions.csv's columns \
        (sample_id, label, anomaly_type, score, predicted, surprise_<head>), then failed_checks and explanation \
        (with consistency heads), attribution_<modality> (the logit's drop when the modality is masked) and \
        missing_modalities; it is written under a temporary name and renamed into place when complete. With --split, \
        only the samples the run's split put in that part are scored, in the run's own batches: on the run's own \
        dataset, the valid and test scores are predictions.csv's, bit for bit.
        """)

    @Argument(help: "A run folder, e.g. Results/default/runs/full/seed-0.")
    var runFolder: String

    @Argument(help: "A dataset folder with the run's format (events.csv, users.csv, items.csv, …).")
    var data: String

    @Option(help: "Output CSV (written atomically; its folder must exist).")
    var out: String

    @Option(help: ArgumentHelp("Score the samples of this labels.csv-shaped file (sample_id, the sequence key, optional user_id, target_item_id, cutoff, label) instead of DATA's labels.csv.", valueName: "file"))
    var samples: String?

    @Option(help: ArgumentHelp("Score only the samples the run's split puts in this part: train, valid or test.", valueName: "part"))
    var split: String?

    @Flag(help: "Leave out the per-modality attribution (one forward pass per sample instead of one per modality).")
    var noAttribution = false

    @Option(help: ArgumentHelp("Score with the Linear and convolution weights quantised: int8 (per output channel, activations per row; scores move slightly).", valueName: "type"))
    var quantize: String?

    @OptionGroup var threadOptions: ThreadOptions

    func validate() throws {
        try checkOutputFolder(out)
        if let quantize, WeightQuantization.named(quantize) == nil { throw ValidationError("--quantize must be one of \(WeightQuantization.choices), got \"\(quantize)\"") }
        if let split, !["train", "valid", "test"].contains(split) { throw ValidationError("--split must be train, valid or test, got \"\(split)\"") }
        if split != nil && samples != nil { throw ValidationError("--split re-makes the run's split of DATA's labels.csv; it cannot be used with --samples") }
    }

    func run() throws {
        try reportingErrors {
            let scorer = try RunScorer(runFolder: runFolder, threads: threadOptions.threads, quantization: quantize.flatMap(WeightQuantization.named))
            let part = split.flatMap { s in ScoringJob.part(named: s) }
            let job = ScoringJob(data: data, samples: samples, split: part, output: out, attribution: !noAttribution)
            let terminal = isatty(STDERR_FILENO) != 0
            let summary = try scorer.score(job) { done, total in
                guard terminal else { return }
                let width = 30, filled = total == 0 ? width : width * done / total
                FileHandle.standardError.write(Data("\r[\(String(repeating: "#", count: filled))\(String(repeating: " ", count: width - filled))] \(done)/\(total) samples".utf8))
                if done == total { FileHandle.standardError.write(Data("\n".utf8)) }
            }
            print(String(format: "wrote %@: %d samples scored, %d above the threshold %.4f, in %.1f s", out, summary.samples, summary.predictedPositive,
                         scorer.threshold, summary.seconds))
            let missing = summary.missing.filter { $0.1 > 0 }
            if !missing.isEmpty {
                print("masked (missing): " + missing.map { "\($0.0.rawValue) \($0.1)" }.joined(separator: ", ") + " sample(s)")
            }
            if summary.droppedEvents > 0 { print("\(summary.droppedEvents) event(s) dropped: their user or item has no row (data.missing_entities: drop)") }
        }
    }
}
