import Foundation
import Tensor
import NN
import Datasets
import Models

/// `fusionlab bench quantization`: the reference architecture scored in float32 and with its
/// Linear and convolution weights in int8 (`--quantize int8`), timed in alternating repetitions
/// so both see the same machine load. The weights are random: speed does not depend on them
/// (the accuracy change is measured on trained runs, Benchmarks/README.md).
public enum QuantizationBench {
    public static func run(repetitions: Int, secondsPerRepetition: Double, threads: Int?) throws {
        if let threads { ComputeThreads.set(threads) }
        printBuildWarning()
        let timer = BenchTimer(repetitions: repetitions, minimumSeconds: secondsPerRepetition)
        let float = try ReferenceArchitecture.model(seed: 2), int8 = try ReferenceArchitecture.model(seed: 2)
        float.eval(); int8.eval()
        let summary = quantizeDynamically(int8)
        print("FusionLab int8 dynamic quantisation: the reference architecture of Benchmarks/torch_reference.py, float32 vs int8")
        print("threads: \(ComputeThreads.count); int8 GEMM: \(Int8Weights.bestKernel); "
              + "\(summary.linearLayers) Linear and \(summary.convolutionLayers) convolution layers, \(summary.weights) weights in int8; "
              + "alternating repetitions: \(repetitions) of ≥ \(secondsPerRepetition) s (median, [min–max]); load average at start: \(loadAverage())\n")
        var table = TextTable(header: ["measurement", "float32", "int8", "int8 / float32"])

        var g = RandomGenerator(seed: 2)
        let batches = (0..<4).map { _ in ReferenceArchitecture.batch(size: 512, generator: &g) }
        var i = 0, j = 0
        let (f, q) = timer.measurePair({ withoutGradients { _ = float(batches[i % 4]) }; i += 1 },
                                        { withoutGradients { _ = int8(batches[j % 4]) }; j += 1 })
        table.add(throughput("inference, full model, batch 512 (samples/s)", f, q, batch: 512))

        // The image encoder alone: where the convolutions are.
        let k = float.modalities.firstIndex(of: .image)!
        let (fi, qi) = timer.measurePair({ withoutGradients { _ = float.encoders[k](batches[i % 4]) }; i += 1 },
                                          { withoutGradients { _ = int8.encoders[k](batches[j % 4]) }; j += 1 })
        table.add(throughput("inference, image encoder alone, batch 512 (samples/s)", fi, qi, batch: 512))

        // One Linear of the Transformer's feed-forward block over a batch's tokens.
        var lg = RandomGenerator(seed: 5)
        let linear = Linear(inputSize: 64, outputSize: 128, generator: &lg), x = Tensor(normal: [512 * 50, 64], generator: &lg)
        let weights = Int8Weights(linear.weight)
        let (fl, ql) = timer.measurePair({ _ = withoutGradients { linear(x) } }, { _ = weights.linear(x, bias: linear.bias) })
        table.add(throughput("Linear 64→128 over 25,600 rows (rows/s)", fl, ql, batch: 512 * 50))

        // Batch-1 latency: blocks of 100 calls, alternating, 1,000 calls each after 100 warm-up calls.
        let singles = (0..<16).map { _ in ReferenceArchitecture.batch(size: 1, generator: &g) }
        var floatMS: [Double] = [], int8MS: [Double] = []
        withoutGradients {
            for k in 0..<100 { _ = float(singles[k % 16]); _ = int8(singles[k % 16]) }
            for block in 0..<10 {
                for k in 0..<100 { floatMS.append(1000 * BenchTimer.seconds { _ = float(singles[(block * 100 + k) % 16]) }) }
                for k in 0..<100 { int8MS.append(1000 * BenchTimer.seconds { _ = int8(singles[(block * 100 + k) % 16]) }) }
            }
        }
        floatMS.sort(); int8MS.sort()
        for (name, rank) in [("p50", 499), ("p99", 989)] {
            table.add(["latency batch 1, \(name) ms", format(floatMS[rank], 3), format(int8MS[rank], 3), format(int8MS[rank] / floatMS[rank], 2) + "×"])
        }
        print(table.render())
        print("\nint8 / float32 > 1× is faster for throughput, < 1× is faster for latency. Load average at the end: \(loadAverage()).")
    }

    static func throughput(_ name: String, _ f: BenchTimer.Result, _ q: BenchTimer.Result, batch: Int) -> [String] {
        func rate(_ r: BenchTimer.Result) -> String {
            "\(format(Double(batch) / r.median, 0)) [\(format(Double(batch) / r.max, 0))–\(format(Double(batch) / r.min, 0))]"
        }
        return [name, rate(f), rate(q), format(f.median / q.median, 2) + "×"]
    }

    private static func loadAverage() -> String {
        (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)).flatMap { $0.split(separator: " ").first.map(String.init) } ?? "?"
    }
}
