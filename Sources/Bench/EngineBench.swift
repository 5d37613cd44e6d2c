import COpenBLAS
import Tensor
import NN

/// `fusionlab bench engine`: the figures the Foundation issue asks for.
public enum EngineBench {
    public static let sections = ["sgemm", "layers", "memory"]

    /// Runs the wanted `sections` (names from `sections`) and prints their tables.
    public static func run(sections wanted: Set<String>, repetitions: Int, secondsPerRepetition: Double, threads: Int?) {
        if let threads { ComputeThreads.set(threads) }
        let timer = BenchTimer(repetitions: repetitions, minimumSeconds: secondsPerRepetition)
        printBuildWarning()
        print("FusionLab engine benchmark — threads: \(ComputeThreads.count), repetitions: \(repetitions) (median, [min–max])\n")
        if wanted.contains("sgemm") { sgemm(timer) }
        if wanted.contains("layers") { layers(timer) }
        if wanted.contains("memory") { memory() }
    }

    static let squareShapes = [64, 256, 512].map { (m: $0, n: $0, k: $0) }
    static let skinnyShapes = [64, 128, 256].flatMap { k in [64, 128, 256].map { n in (m: 256, n: n, k: k) } }
    /// The reference model's own products: a linear layer over a batch of 512 windows of 50, and
    /// the image encoder's three convolutions of one sample (weights × unfolded input).
    static let modelShapes = [(m: 25_600, n: 64, k: 64), (m: 25_600, n: 128, k: 64), (m: 16, n: 1024, k: 27),
                              (m: 32, n: 256, k: 144), (m: 64, n: 64, k: 288)]

    static func sgemm(_ timer: BenchTimer) {
        print("## sgemm: engine matmul (GEMM kernel: \(GEMMKernel.current.rawValue)) vs raw cblas_sgemm (OpenBLAS kernels: "
              + "\(BLASKernels.name)) (GFLOP/s; the two timed in alternating repetitions)\n")
        var table = TextTable(header: ["M,N,K", "raw cblas_sgemm", "engine matmul", "engine / raw"])
        var generator = RandomGenerator(seed: 1)
        for s in squareShapes + skinnyShapes + modelShapes {
            let a = Tensor(normal: [s.m, s.k], generator: &generator)
            let b = Tensor(normal: [s.k, s.n], generator: &generator)
            let c = Tensor(zeros: [s.m, s.n])
            let flops = 2.0 * Double(s.m * s.n * s.k)
            let (raw, engine) = timer.measurePair({
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(s.m), Int32(s.n), Int32(s.k), 1,
                            a.pointer, Int32(s.k), b.pointer, Int32(s.n), 0, c.pointer, Int32(s.n))
            }, { _ = withoutGradients { matmul(a, b) } })
            let rawRate = flops / raw.median / 1e9, engineRate = flops / engine.median / 1e9
            table.add(["\(s.m),\(s.n),\(s.k)",
                       "\(format(rawRate)) [\(format(flops / raw.max / 1e9))–\(format(flops / raw.min / 1e9))]",
                       "\(format(engineRate)) [\(format(flops / engine.max / 1e9))–\(format(flops / engine.min / 1e9))]",
                       "\(format(100 * engineRate / rawRate, 0))%"])
        }
        print(table.render() + "\n")
    }

    /// One forward+backward of a layer at the reference sizes (batch 128, d 64, length 50,
    /// 4 heads, FFN 128, image 3×32×32).
    struct LayerCase {
        var name: String
        var shape: String
        var module: any Module
        var input: Tensor
        var forward: (Tensor) -> Tensor
    }

    static func layerCases() -> [LayerCase] {
        var g = RandomGenerator(seed: 2)
        let (batch, length, d) = (128, 50, 64)
        let tokens = Tensor(normal: [batch, length, d], generator: &g)
        let images = Tensor(normal: [batch, 3, 32, 32], generator: &g)
        let linear = Linear(inputSize: d, outputSize: d, generator: &g)
        let conv = Conv2d(inputChannels: 3, outputChannels: 16, kernelSize: 3, padding: 1, generator: &g)
        var cases = [
            LayerCase(name: "Linear", shape: "[128,50,64]→64", module: linear, input: tokens) { linear($0) },
            LayerCase(name: "Conv2d", shape: "[128,3,32,32]→16, 3×3 pad 1", module: conv, input: images) { conv($0) },
        ]
        cases += sequenceLayerCases(tokens: tokens, generator: &g)
        return cases
    }

    static func layers(_ timer: BenchTimer) {
        print("## Layers: forward + backward at the reference sizes (ms per step; samples/s at batch 128)\n")
        var table = TextTable(header: ["layer", "input", "forward ms", "forward+backward ms", "samples/s (fwd+bwd)"])
        for c in layerCases() {
            let x = c.input.copy().requiringGrad()
            let forward = timer.measure { _ = withoutGradients { c.forward(x) } }
            let seed = Tensor(ones: withoutGradients { c.forward(x) }.shape)
            let train = timer.measure {
                c.module.zeroGrad()
                x.zeroGrad()
                c.forward(x).backward(seed: seed)
            }
            table.add([c.name, c.shape, format(forward.median * 1000, 2),
                       "\(format(train.median * 1000, 2)) [\(format(train.min * 1000, 2))–\(format(train.max * 1000, 2))]",
                       format(128 / train.median, 0)])
        }
        print(table.render() + "\n")
    }

    static func memory() {
        print("## Memory over training steps (2-layer Transformer classifier with AdamW, batch 128, length 50)\n")
        let run = memoryTrainingRun()
        var table = TextTable(header: ["after step", "resident MB", "engine live MB", "engine cached MB"])
        for m in run { table.add(["\(m.step)", format(Double(m.resident) / 1e6), format(Double(m.live) / 1e6), format(Double(m.cached) / 1e6)]) }
        print(table.render() + "\n")
    }
}
