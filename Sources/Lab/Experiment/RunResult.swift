import Foundation
import Datasets
import Support

/// The result of one training run (one modality set, seed and fold).
public struct RunResult: Sendable {
    public var variant: String
    public var seed: Int
    public var fold: Int?
    public var directory: String
    public var valid: SplitMetrics
    public var test: SplitMetrics
    public var bestEpoch: Int
    public var parameterCount: Int
    public var trainingSeconds: Double
    public var scoringSecondsPerSample: Double
    /// Test metrics of the same trained model scored with one modality masked (`--masked`).
    public var maskedTest: [Modality: SplitMetrics] = [:]
}

extension RunResult {
    /// A complete run read back from its folder (`--resume` keeps finished runs).
    static func load(directory: String, variant: String, seed: Int, fold: Int?) throws -> RunResult {
        func json(_ name: String) throws -> JSONValue {
            let path = (directory as NSString).appendingPathComponent(name)
            guard let json = try ResultFileError.readJSON(path) else {
                throw ResultFileError(path: path, "missing from a run folder marked complete; delete the folder to run it again")
            }
            return json
        }
        let metrics = try json("metrics.json"), timing = try json("timing.json")
        guard let valid = metrics["valid"].flatMap(SplitMetrics.init(json:)), let test = metrics["test"].flatMap(SplitMetrics.init(json:)) else {
            throw ResultFileError(path: directory + "/metrics.json", "lacks valid or test metrics; delete the folder to run it again")
        }
        var masked: [Modality: SplitMetrics] = [:]
        for (name, value) in metrics["test_with_modality_masked"]?.objectPairs ?? [] {
            if let m = Modality(rawValue: name), let split = SplitMetrics(json: value) { masked[m] = split }
        }
        return RunResult(variant: variant, seed: seed, fold: fold, directory: directory, valid: valid, test: test,
                         bestEpoch: metrics["best_epoch"]?.intValue ?? 0, parameterCount: metrics["parameters"]?.intValue ?? 0,
                         trainingSeconds: timing["training_seconds"]?.doubleValue ?? 0,
                         scoringSecondsPerSample: timing["scoring_seconds_per_sample"]?.doubleValue ?? 0, maskedTest: masked)
    }
}
