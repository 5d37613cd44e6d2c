/// PyTorch's figures, hard-coded from Benchmarks/results_torch.md (torch 2.15.0 default wheel, run on CPU; AMD EPYC,
/// AVX2; each a median over 3 runs of the per-run median of 7 repetitions).
struct TorchFigures {
    var threads: Int
    var train: [Int: Double]
    var inference512: Double
    /// inference_mode.
    var latencyP50: Double, latencyP99: Double
    var noGradP50: Double, noGradP99: Double
    /// sequence, profile, attributes, image, fusion_only.
    var encoders: [Double]

    static let twoThreads = TorchFigures(threads: 2, train: [32: 368, 128: 506, 512: 438], inference512: 2200,
                                         latencyP50: 3.20, latencyP99: 4.72, noGradP50: 2.92, noGradP99: 4.38,
                                         encoders: [753, 64639, 86918, 2674, 17298])
    static let oneThread = TorchFigures(threads: 1, train: [32: 321, 128: 360, 512: 340], inference512: 1230,
                                        latencyP50: 2.85, latencyP99: 4.79, noGradP50: 2.75, noGradP99: 4.88,
                                        encoders: [593, 73441, 85130, 1501, 15498])
}
