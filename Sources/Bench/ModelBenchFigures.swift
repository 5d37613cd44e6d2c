import Foundation

/// `fusionlab bench model --json`: the figures in the keys and units of
/// `Benchmarks/torch_reference.py --out`, so `Benchmarks/side_by_side.sh` compares them key by key.
struct ModelBenchFigures: Encodable {
    /// Samples per second over the timed repetitions.
    struct Throughput: Encodable {
        var median: Double, min: Double, max: Double
        var stepsPerRepetition: Int, repetitions: Int
        var msPerStepMedian: Double

        init(_ r: BenchTimer.Result, batch: Int) {
            median = Double(batch) / r.median
            min = Double(batch) / r.max
            max = Double(batch) / r.min
            stepsPerRepetition = r.stepsPerRepetition
            repetitions = r.secondsPerStep.count
            msPerStepMedian = r.median * 1000
        }

        enum CodingKeys: String, CodingKey {
            case median, min, max
            case stepsPerRepetition = "steps_per_rep", repetitions = "reps", msPerStepMedian = "ms_per_step_median"
        }
    }

    struct Latency: Encodable {
        var p50: Double, p99: Double, mean: Double, calls: Int
        enum CodingKeys: String, CodingKey { case p50 = "p50_ms", p99 = "p99_ms", mean = "mean_ms", calls }
    }

    var threads: Int
    var engine = "fusionlab"
    var train: [String: Throughput]?
    var inference512: Throughput?
    /// Keyed `without_gradients` (PyTorch's file has `inference_mode` and `no_grad`).
    var latency: [String: Latency]?
    var encoders: [String: Throughput]?

    enum CodingKeys: String, CodingKey {
        case threads, engine, train
        case inference512 = "inference_b512", latency = "latency_b1", encoders = "encoder_train_b128"
    }

    /// Writes the figures as JSON, atomically.
    func write(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}
