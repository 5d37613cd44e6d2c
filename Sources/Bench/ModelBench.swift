import Foundation
import Tensor
import NN
import Datasets
import Models

/// `fusionlab bench model`: the measurements of torch_reference.py, on our engine.
public struct ModelBench {
    public enum Section: String, CaseIterable, Sendable { case train, inference, latency, encoders }

    /// What `encoders` times alone: each modality's encoder, and the fusion block.
    public static let encoderNames = Modality.allCases.map(\.rawValue) + ["fusion_only"]

    /// Runs the wanted sections in their canonical order and prints the report; `jsonPath`
    /// also receives the figures in torch_reference.py's keys. `encoders` picks from `encoderNames`.
    public static func run(sections wanted: [Section], encoders: [String] = encoderNames, repetitions: Int,
                           secondsPerRepetition: Double, threads: Int?, jsonPath: String? = nil) throws {
        if let threads { ComputeThreads.set(threads) }
        printBuildWarning()
        var bench = try ModelBench(timer: BenchTimer(repetitions: repetitions, minimumSeconds: secondsPerRepetition))
        bench.wantedEncoders = encoders
        print("FusionLab model benchmark: the reference architecture of Benchmarks/torch_reference.py")
        print("threads: \(ComputeThreads.count), GEMM: \(GEMMKernel.current.rawValue) (OpenBLAS kernels: \(BLASKernels.name)), repetitions: \(repetitions) of ≥ \(secondsPerRepetition) s (median, [min–max]); "
              + "PyTorch column: results_torch.md, threads=\(bench.torch.threads); load average at start: \(loadAverage())\n")
        for s in Section.allCases where wanted.contains(s) { try bench.run(s) }
        bench.printReport()
        print("Load average at the end: \(loadAverage()) (on a shared machine, other work slows and spreads the figures).")
        if let jsonPath { try bench.figures.write(to: jsonPath) }
    }

    /// The 1-minute load average, from /proc/loadavg.
    static func loadAverage() -> String {
        (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)).flatMap { $0.split(separator: " ").first.map(String.init) } ?? "?"
    }

    let timer: BenchTimer
    let torch: TorchFigures
    private var table: TextTable
    private var encoderParameters: [(name: String, ours: Int, torch: Int)] = []
    private var wantedEncoders = encoderNames
    private(set) var figures: ModelBenchFigures

    init(timer: BenchTimer) throws {
        self.timer = timer
        torch = ComputeThreads.count == 1 ? .oneThread : .twoThreads
        table = TextTable(header: ["measurement", "FusionLab", "ms / step", "PyTorch (threads=\(torch.threads))", "FusionLab / PyTorch"])
        figures = ModelBenchFigures(threads: ComputeThreads.count)
        _ = try ReferenceArchitecture.validatedConfig()
    }

    mutating func run(_ section: Section) throws {
        switch section {
        case .train: try train()
        case .inference: try inference()
        case .latency: try latency()
        case .encoders: try encoders()
        }
    }

    // MARK: Measurements

    private mutating func train() throws {
        for b in [32, 128, 512] {
            var g = RandomGenerator(seed: UInt64(100 + b))
            let batches = (0..<4).map { _ in ReferenceArchitecture.batch(size: b, generator: &g) }
            let model = try ReferenceArchitecture.model(seed: UInt64(b))
            let result = try trainSteps(model, labels: batches.map(\.labels)) { model(batches[$0]).logit }
            addThroughput("train step, full model, batch \(b)", result, batch: b, torch: torch.train[b]!)
            figures.train = (figures.train ?? [:]).merging([String(b): .init(result, batch: b)]) { $1 }
        }
    }

    private mutating func inference() throws {
        var g = RandomGenerator(seed: 2)
        let batches = (0..<4).map { _ in ReferenceArchitecture.batch(size: 512, generator: &g) }
        let model = try ReferenceArchitecture.model(seed: 2)
        model.eval()
        var i = 0
        var t = timer
        t.warmupSteps = 3
        let result = t.measure {
            withoutGradients { _ = model(batches[i % batches.count]) }
            i += 1
        }
        addThroughput("inference (eval, no gradients), batch 512", result, batch: 512, torch: torch.inference512)
        figures.inference512 = .init(result, batch: 512)
    }

    /// 1,000 individually timed batch-1 forward calls after 100 warm-up calls.
    private mutating func latency() throws {
        var g = RandomGenerator(seed: 3)
        let singles = (0..<16).map { _ in ReferenceArchitecture.batch(size: 1, generator: &g) }
        let model = try ReferenceArchitecture.model(seed: 3)
        model.eval()
        var milliseconds: [Double] = []
        withoutGradients {
            for i in 0..<100 { _ = model(singles[i % 16]) }
            for i in 0..<1000 { milliseconds.append(1000 * BenchTimer.seconds { _ = model(singles[i % 16]) }) }
        }
        milliseconds.sort()
        let (p50, p99) = (milliseconds[499], milliseconds[989])
        figures.latency = ["without_gradients": .init(p50: p50, p99: p99, mean: milliseconds.reduce(0, +) / 1000, calls: 1000)]
        progress("latency batch 1: p50 \(format(p50, 3)) ms, p99 \(format(p99, 3)) ms")
        table.add(["latency batch 1, p50 ms", format(p50, 2), "", format(torch.latencyP50, 2), format(p50 / torch.latencyP50, 2) + "×"])
        table.add(["latency batch 1, p99 ms", format(p99, 2), "", format(torch.latencyP99, 2), format(p99 / torch.latencyP99, 2) + "×"])
    }

    /// Each encoder alone with a Linear(64 → 1) head, and the fusion alone on 4 random tokens.
    private mutating func encoders() throws {
        let b = 128, d = ReferenceArchitecture.dimension
        let options = ModelOptions(section: try ReferenceArchitecture.validatedConfig())
        var g = RandomGenerator(seed: 4)
        let batches = (0..<4).map { _ in ReferenceArchitecture.batch(size: b, generator: &g) }
        let context = EncoderContext(schema: ReferenceArchitecture.schema, dimension: d)
        for (k, m) in Modality.allCases.enumerated() where wantedEncoders.contains(m.rawValue) {
            let encoder = try EncoderRegistry.build(m, options: options, context: context, generator: &g)
            let head = Linear(inputSize: d, outputSize: 1, generator: &g)
            let module = ModuleGroup([("encoder", encoder), ("out", head)])
            let result = try trainSteps(module, labels: batches.map(\.labels)) { head(encoder(batches[$0]).embedding).reshaped([b]) }
            addThroughput("encoder alone, train, batch 128: \(m.rawValue)", result, batch: b, torch: torch.encoders[k])
            figures.encoders = (figures.encoders ?? [:]).merging([m.rawValue: .init(result, batch: b)]) { $1 }
            encoderParameters.append(("\(m.rawValue) + out head", module.parameterCount,
                                      ReferenceArchitecture.torchParameters[k].count + ReferenceArchitecture.torchHeadParameters))
        }
        guard wantedEncoders.contains("fusion_only") else { return }
        let fusion = options.fusion.definition.build(options.fusion.options, Modality.allCases, d, &g)
        let tokens = (0..<4).map { _ in (0..<4).map { _ in Tensor(normal: [b, d], generator: &g) } }
        let mask = Tensor(ones: [b, Modality.allCases.count])
        let result = try trainSteps(fusion, labels: batches.map(\.labels)) { fusion(tokens[$0], mask: mask).logit }
        addThroughput("encoder alone, train, batch 128: fusion_only", result, batch: b, torch: torch.encoders[4])
        figures.encoders = (figures.encoders ?? [:]).merging(["fusion_only": .init(result, batch: b)]) { $1 }
        // The reference's fusion_only also owns an (unused) out head.
        encoderParameters.append(("fusion_only", fusion.parameterCount,
                                  ReferenceArchitecture.torchParameters[4].count + ReferenceArchitecture.torchHeadParameters))
    }

    /// Times zeroGrad → forward → BCE-with-logits → backward → AdamW step (lr 1e-3) in training
    /// mode, cycling through the pool; `forward(i)` scores pool entry i.
    private func trainSteps(_ module: any Module, labels: [Tensor], forward: (Int) -> Tensor) throws -> BenchTimer.Result {
        let optimizer = try AdamW(parameters: ParameterBuffer(module: module), learningRate: 1e-3)
        module.train(true)
        var i = 0
        var t = timer
        t.warmupSteps = 5
        return t.measure {
            let k = i % labels.count
            i += 1
            optimizer.zeroGrad()
            binaryCrossEntropyWithLogits(forward(k), labels[k]).backward()
            optimizer.step()
        }
    }

    private mutating func addThroughput(_ name: String, _ r: BenchTimer.Result, batch: Int, torch reference: Double) {
        let rate = Double(batch) / r.median
        progress("\(name): \(format(rate, 0)) samples/s")
        table.add([name, "\(format(rate, 0)) [\(format(Double(batch) / r.max, 0))–\(format(Double(batch) / r.min, 0))]",
                   format(r.median * 1000, 2), format(reference, 0), format(rate / reference, 2) + "×"])
    }

    private func progress(_ line: String) {
        FileHandle.standardError.write(Data("[threads=\(ComputeThreads.count)] \(line)\n".utf8))
    }

    // MARK: Report

    private var fullModelParameters: Int { (try? ReferenceArchitecture.model(seed: 0).parameterCount) ?? 0 }

    func printReport() {
        if !table.rows.isEmpty {
            print("## Throughput (samples/s) and latency\n")
            print(table.render() + "\n")
            print("FusionLab / PyTorch: above 1× is faster for throughput, below 1× is faster for latency.")
            print("PyTorch latency is its inference_mode figure (no_grad: p50 \(format(torch.noGradP50, 2)) ms, p99 \(format(torch.noGradP99, 2)) ms).")
            print("PyTorch's full model has 466,241 parameters, ours \(fullModelParameters.formatted) (see below).\n")
        }
        printParameters()
    }

    private func printParameters() {
        print("## Parameters\n")
        guard let model = try? ReferenceArchitecture.model(seed: 0) else { return }
        var parameters = TextTable(header: ["part", "FusionLab", "PyTorch", "difference"])
        func add(_ name: String, _ ours: Int, _ torch: Int) {
            parameters.add([name, ours.formatted, torch.formatted, (ours - torch == 0 ? "" : (ours > torch ? "+" : "")) + (ours - torch).formatted])
        }
        for ((name, ours), (_, torch)) in zip(model.parameterCounts, ReferenceArchitecture.torchParameters) { add(name, ours, torch) }
        add("full model", model.parameterCount, ReferenceArchitecture.torchTotalParameters)
        for e in encoderParameters { add("alone: \(e.name)", e.ours, e.torch) }
        print(parameters.render() + "\n")
        let fusion = model.fusion as? AttentionFusion
        let projections = fusion?.projections.reduce(0) { $0 + $1.parameterCount } ?? 0
        print("Differences from torch_reference.py that the model config cannot remove:")
        for note in ReferenceArchitecture.differences(fusionProjectionParameters: projections) { print("- " + note) }
        print("Set to match it: tabular-encoder dropout 0 (our default is 0.1), modality dropout 0, no anomaly-type head.\n")
    }
}
