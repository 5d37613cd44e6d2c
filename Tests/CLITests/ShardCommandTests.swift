import Foundation
import Testing

/// `plan`, `run --shard` and `table` on a sharded study, through the command line.
extension CommandLineTests {
    func writeStudy(_ dir: String) throws -> String {
        let path = dir + "/study.json"
        try """
        {"name": "sharded", "data": {"path": "\(dir)/shop", "generate": {"preset": "tiny"}, "images": {"size": 16}},
         "model": {"dimension": 16, "modalities": ["sequence", "profile"], "encoders": {"sequence": {"layers": 1, "heads": 2, "feedforward": 32}},
                   "fusion": {"heads": 2}},
         "training": {"epochs": 1, "batch_size": 64}, "seeds": [0, 1], "threads": 1,
         "variants": {"concat": ["model.fusion.type=concat"], "attention": []}, "select": {"metric": "roc_auc"},
         "output": {"directory": "\(dir)/Results"}}
        """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func planListsTheRunsAndTableNamesTheMissingOnes() throws {
        let dir = try scratch()
        let config = try writeStudy(dir)
        let plan = try fusionlab(["plan", config, "--format", "tsv", "--shards", "2"])
        #expect(plan.status == 0, "\(plan.err)")
        #expect(plan.out == """
            stage\tindex\tid\trow\tseed\tfold\tmodalities\tstate\tshard
            1\t0\tconcat/seed-0\tconcat\t0\t\t\tmissing\t0
            1\t1\tconcat/seed-1\tconcat\t1\t\t\tmissing\t1
            1\t2\tattention/seed-0\tattention\t0\t\t\tmissing\t0
            1\t3\tattention/seed-1\tattention\t1\t\t\tmissing\t1

            """)
        let text = try fusionlab(["plan", config])
        #expect(text.out.hasPrefix("sharded: 4 runs in \(dir)/Results/sharded/runs/<id>, selecting on validation roc_auc"), "\(text.out)")

        let bad = try fusionlab(["run", config, "--shard", "2/2"])
        #expect(bad.status == 64 && bad.err.contains("--shard 2/2: the shard index i counts from 0, so it must be from 0 to N - 1 = 1"), "\(bad.err)")

        let half = try fusionlab(["run", config, "--shard", "1/2"])
        #expect(half.status == 0, "\(half.err)")
        #expect(half.out.contains("shard 1/2 has 2 of the plan's 4 runs: concat/seed-1, attention/seed-1"), "\(half.out)")
        #expect(half.out.contains("2 of 4 runs of \(dir)/Results/sharded are not complete:"), "\(half.out)")
        let study = dir + "/Results/sharded"
        #expect(!FileManager.default.fileExists(atPath: study + "/table.csv"))

        // The table of what is complete, with what is missing named; the recorded plan is read.
        let partial = try fusionlab(["table", study, "--metrics", "roc_auc"])
        #expect(partial.status == 0, "\(partial.err)")
        #expect(partial.err.contains("2 of 4 runs of \(study) are not complete:\n  concat/seed-0: not run\n  attention/seed-0: not run"), "\(partial.err)")
        #expect(partial.out.split(separator: "\n").dropFirst(2).map { $0.split(separator: "|").first.map(String.init) ?? "" }
                == [" concat ", " attention ", " selected "], "\(partial.out)")
        let againstConfig = try fusionlab(["table", "--config", config, "--metrics", "roc_auc"])
        #expect(againstConfig.out == partial.out && againstConfig.err == partial.err)

        let rest = try fusionlab(["run", config, "--shard", "0/2"])
        #expect(rest.status == 0, "\(rest.err)")
        #expect(rest.out.contains("table: \(study)/table.csv"), "\(rest.out)")
        let complete = try fusionlab(["table", study, "--format", "csv"])
        let written = try String(contentsOfFile: study + "/table.csv", encoding: .utf8)
        #expect(complete.err.isEmpty && complete.out == written, "\(complete.err)")
        let listed = try fusionlab(["plan", config])
        #expect(listed.out.contains("4 of 4 complete"), "\(listed.out)")
    }
}
