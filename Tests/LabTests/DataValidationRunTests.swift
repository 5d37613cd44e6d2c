import Foundation
import Testing
import Datasets
@testable import Lab
import Support

/// Data and split problems stop a run before training, with a message naming the file or the
/// config keys — where they used to train on nothing or on rescaled shares.
@Suite struct DataValidationRunTests {
    static let events = "user_id:token,timestamp:float,event_type:token,item_id:token\nu1,100,view,i1\nu1,200,buy,i1\nu2,300,view,i2\nu3,400,view,i1\n"
    static let labels = "sample_id:token,user_id:token,label:float,split:token\ns1,u1,1,train\ns2,u2,0,train\ns3,u3,0,test\n"

    /// A config file in a scratch folder (with `data.path` pointing at `dataset`), loaded with `overrides`.
    func config(dataset: String = "unused", _ overrides: [String] = []) throws -> (JSONValue, output: String) {
        let out = scratchDirectory()
        let path = out + "/e.json"
        try #"{"name": "v", "data": {"path": "\#(dataset)", "split": {"strategy": "column"}}, "output": {"directory": "\#(out)/Results"}}"#
            .write(toFile: path, atomically: true, encoding: .utf8)
        return (try ConfigLoader.load(path: path, overrides: overrides, schema: ExperimentSchema.root), out)
    }

    /// Runs the config on a dataset folder made of `files`; returns the error's text.
    func runError(_ files: [String: String]) throws -> String {
        let folder = scratchDirectory()
        for (name, text) in files { try text.write(toFile: folder + "/" + name, atomically: true, encoding: .utf8) }
        let (json, out) = try config(dataset: folder, ["training.epochs=1"])
        defer { #expect(!FileManager.default.fileExists(atPath: out + "/Results"), "a refused run must leave no results") }
        do {
            _ = try ExperimentRunner(config: json, reporter: { _ in }).run(seed: 0, fold: nil, resume: false)
        } catch let error as DatasetError {
            return error.description
        }
        Issue.record("the run trained")
        return ""
    }

    @Test func aRunRefusesDataItUsedToTrainOn() throws {
        #expect(try runError(["events.csv": Self.events, "labels.csv": "sample_id:token,user_id:token,label:float,split:token\n"])
                == "labels.csv: has a header but no rows; it must hold at least one sample")
        #expect(try runError(["events.csv": "user_id:token,timestamp:float,event_type:token,item_id:token\n", "labels.csv": Self.labels])
                == "events.csv: has a header but no rows; it must hold at least one event")
        #expect(try runError(["events.csv": Self.events.replacingOccurrences(of: "u1,200", with: "u1,1e400"), "labels.csv": Self.labels])
                == "events.csv:3:2: timestamp must be a finite number, found \"1e400\", which is too large for a double")
        #expect(try runError(["events.csv": Self.events, "labels.csv": Self.labels.replacingOccurrences(of: "s1,u1,1", with: "s1,u1,0")])
                == "labels.csv: the training split has no positive samples (label 1) among its 2 samples (data.split.strategy \"column\"); "
                + "the detector needs anomalies to learn from: add label-1 samples to split=train")
    }
}
