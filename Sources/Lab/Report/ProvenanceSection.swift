import Foundation
import Support

/// Where the numbers come from: the data and samples the runs scored, each run's config
/// fingerprint, threads and wall times; the commit, versions and machine of the study
/// (provenance.json, when it wrote one) and the checkout when the report was written.
enum ProvenanceSection {
    /// 64-bit FNV-1a of the scored samples (id, split, label, type): runs with equal
    /// fingerprints scored the same samples with the same labels.
    static func sampleFingerprint(_ run: RunArtifacts) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for (split, part) in [("valid", run.valid), ("test", run.test)] {
            for i in part.ids.indices {
                for byte in "\(part.ids[i]),\(split),\(part.labels[i]),\(part.types[i])\n".utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
            }
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    static func html(_ inputs: ReportInputs) -> String {
        let runs = inputs.allRuns
        var facts: [(String, String)] = []
        if let data = runs.first?.config?["data"] {
            let generate = data["generate"].flatMap { g -> String? in
                guard let preset = g["preset"]?.stringValue else { return nil }
                return "generated shop, preset \(preset), seed \(g["seed"]?.intValue.map(String.init) ?? "?")"
            }
            facts.append(("data", (data["path"]?.stringValue ?? "?") + (generate.map { " (\($0))" } ?? "")))
            if let split = data["split"] {
                facts.append(("split", "\(split["strategy"]?.stringValue ?? "?") \(split["train"]?.doubleValue ?? 0)/\(split["valid"]?.doubleValue ?? 0)/\(split["test"]?.doubleValue ?? 0), seed \(split["seed"]?.intValue.map(String.init) ?? "?")"))
            }
        }
        let fingerprints = Set(runs.map(sampleFingerprint))
        facts.append(("scored samples", fingerprints.count == 1
            ? "all \(runs.count) run(s) scored the same validation and test samples (fingerprint \(fingerprints.first!))"
            : "\(fingerprints.count) different sample sets across \(runs.count) runs: \(fingerprints.sorted().joined(separator: ", "))"))
        let training = runs.compactMap { $0.timing?["training_seconds"]?.doubleValue }
        if !training.isEmpty { facts.append(("training time", String(format: "%.0f s over %d run(s)", training.reduce(0, +), training.count))) }
        let threads = Set(runs.compactMap { $0.timing?["threads"]?.intValue })
        if !threads.isEmpty { facts.append(("threads", threads.sorted().map(String.init).joined(separator: ", "))) }
        if let p = StudyProvenance.read(directory: inputs.directory) {
            let commit = p["commit"]?.stringValue.map { $0 + (p["local_changes"]?.boolValue == true ? " (with local changes)" : "") }
            facts.append(("study ran at commit", commit ?? "not recorded (not a git checkout)"))
            let libraries = (p["libraries"]?.objectPairs ?? []).map { "\($0.0) \($0.1.stringValue ?? "?")" }
            facts.append(("versions", ([p["compiler"]?.stringValue] + [libraries.isEmpty ? nil : libraries.joined(separator: ", ")]).compactMap { $0 }.joined(separator: "; ")))
            facts.append(("machine", "\(p["os"]?.stringValue ?? "?"), \(p["processors"]?.intValue.map(String.init) ?? "?") processors"))
            facts.append(("command", p["command"]?.stringValue ?? "?"))
            facts.append(("study finished", p["finished"]?.stringValue ?? "?"))
        } else {
            facts.append(("not recorded", "no \(StudyProvenance.fileName) here (studies write it when they finish): the commit, compiler and library versions the runs were made with are unknown"))
        }
        facts.append(("checkout when reported", StudyProvenance.commit(inputs.directory) ?? "not a git work tree"))
        facts.append(("report written", ISO8601DateFormatter().string(from: Date())))
        if !inputs.skipped.isEmpty {
            facts.append(("left out", "\(inputs.skipped.count) unfinished run folder(s): " + inputs.skipped.prefix(5).map(\.folder).joined(separator: ", ")))
        }
        var perRun: [[String]] = []
        for run in runs {
            let epochs = run.metrics["epochs_trained"]?.intValue
            perRun.append([run.variant, run.label, run.bestEpoch.map { "\($0) of \(epochs.map(String.init) ?? "?")" } ?? "—",
                           run.metrics["parameters"]?.intValue.map(String.init) ?? "—",
                           run.timing?["threads"]?.intValue.map(String.init) ?? "—",
                           run.timing?["training_seconds"]?.doubleValue.map { String(format: "%.1f", $0) } ?? "—",
                           run.timing?["scoring_seconds_per_sample"]?.doubleValue.map { String(format: "%.3f", $0 * 1000) } ?? "—",
                           run.config.map { $0.removing("seeds").fingerprint } ?? "—"])
        }
        return ReportPage.facts(facts)
            + "<h3>Runs</h3>\n"
            + ReportPage.table(["variant", "run", "best epoch", "parameters", "threads", "training s", "scoring ms / sample", "config fingerprint (seed aside)"],
                               perRun, numeric: [3, 4, 5, 6])
    }
}
