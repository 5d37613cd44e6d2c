import Foundation
import Tensor
import Datasets
import Models
import Lab
import Support

/// `fusionlab bench memory`: peak resident memory of an experiment's model (by default the
/// default model on the small shop) while it trains and while it is scored, at several windows
/// (`data.max_length`). Each window is measured in a child process of its own, so one window's
/// pages and caches do not count towards the next; inside it, the process's peak (VmHWM) is
/// reset between the phases.
public enum MemoryBench {
    /// One window's figures, in bytes.
    public struct Figures: Sendable {
        public var maxLength: Int
        /// Resident after the data is prepared and the model built (what both phases start from).
        public var preparedBytes: Int
        /// Peak resident while training (with the per-epoch validation scoring).
        public var trainingPeakBytes: Int
        /// Peak resident while scoring the three splits and measuring attribution (as a run's evaluation).
        public var scoringPeakBytes: Int
        /// The buffer pool's peak of buffers in use while training, and while scoring.
        public var trainingPoolPeakBytes: Int
        public var scoringPoolPeakBytes: Int
        public var trainingSeconds: Double
        public var scoringSeconds: Double

        /// The line a child prints for its parent.
        var line: String {
            "\(Self.marker) \(maxLength) \(preparedBytes) \(trainingPeakBytes) \(scoringPeakBytes) \(trainingPoolPeakBytes) \(scoringPoolPeakBytes) "
                + "\(trainingSeconds) \(scoringSeconds)"
        }
        static let marker = "memory-figures"

        init(maxLength: Int, preparedBytes: Int, trainingPeakBytes: Int, scoringPeakBytes: Int, trainingPoolPeakBytes: Int,
             scoringPoolPeakBytes: Int, trainingSeconds: Double, scoringSeconds: Double) {
            self.maxLength = maxLength; self.preparedBytes = preparedBytes; self.trainingPeakBytes = trainingPeakBytes
            self.scoringPeakBytes = scoringPeakBytes; self.trainingPoolPeakBytes = trainingPoolPeakBytes
            self.scoringPoolPeakBytes = scoringPoolPeakBytes; self.trainingSeconds = trainingSeconds; self.scoringSeconds = scoringSeconds
        }

        init?(line: Substring) {
            let f = line.split(separator: " ")
            guard f.count == 9, f[0] == Self.marker, let l = Int(f[1]), let p = Int(f[2]), let t = Int(f[3]), let s = Int(f[4]),
                  let tp = Int(f[5]), let sp = Int(f[6]), let ts = Double(f[7]), let ss = Double(f[8]) else { return nil }
            self.init(maxLength: l, preparedBytes: p, trainingPeakBytes: t, scoringPeakBytes: s, trainingPoolPeakBytes: tp,
                      scoringPoolPeakBytes: sp, trainingSeconds: ts, scoringSeconds: ss)
        }
    }

    /// Measures one window in this process: prepares the data of `config` (its `data.max_length`
    /// already set), trains its model for the config's epochs (no files written) and evaluates it
    /// as a run does (three splits, then attribution on test), and prints the figures' line.
    public static func measureHere(config: JSONValue, seed: Int) throws -> Figures {
        let runner = ExperimentRunner(config: config, reporter: { _ in })
        let options = runner.options
        let dataset = try runner.dataset(fold: nil)
        try dataset.checkTrainable()
        let schema = dataset.schema(imageSize: options.images.size)
        let modelOptions = ModelOptions(section: config["model"]!)
        guard modelOptions.classical == nil else { throw MemoryBenchError.classicalModel }
        let (model, _) = try MultimodalModel.build(options: modelOptions, schema: schema, seed: UInt64(seed))
        let images = model.modalities.contains(.image)
            ? try ImageStore(dataset: dataset, imageSize: options.images.size, normalization: options.images.channelNormalization,
                             policy: options.images.missingPolicy, maxPixels: options.images.maxPixels)
            : nil
        let builder = BatchBuilder(dataset: dataset, images: images)
        let prepared = residentMemoryBytes()

        let reporter = ProgressReporter(logPath: nil, logEvery: Int.max, interactive: false)
        reporter.quiet = true
        let trainer = Trainer(model: model, builder: builder, training: options.training,
                              lossWeights: .init(anomalyTypeHead: options.modelTypeHeadWeight, consistencyHeads: options.consistencyJointWeight),
                              seed: UInt64(seed), reporter: reporter, state: nil)
        let (training, trainingPool, trainingSeconds) = try phase { _ = try trainer.fit(resume: false) }
        let (scoring, scoringPool, scoringSeconds) = try phase {
            _ = try Evaluator.evaluate(model: model, builder: builder, extra: nil, options: options.evaluation, masked: false)
        }
        return Figures(maxLength: options.data.maxLength, preparedBytes: prepared, trainingPeakBytes: training, scoringPeakBytes: scoring,
                       trainingPoolPeakBytes: trainingPool, scoringPoolPeakBytes: scoringPool,
                       trainingSeconds: trainingSeconds, scoringSeconds: scoringSeconds)
    }

    /// The peak resident bytes and the pool's peak in use while `body` runs, and its wall seconds.
    /// The pool's cache is emptied first, as a run does between training and evaluation.
    private static func phase(_ body: () throws -> Void) throws -> (resident: Int, pool: Int, seconds: Double) {
        BufferPool.shared.trim()
        BufferPool.shared.resetPeaks()
        PeakMemory.reset()
        let began = DispatchTime.now().uptimeNanoseconds
        try body()
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - began) / 1e9
        return (PeakMemory.bytes(), BufferPool.shared.statistics.peakLiveBytes, seconds)
    }

    /// Runs `measureHere` once per window, each in a child process started with
    /// `childArguments(maxLength)` (this executable), and prints one table.
    public static func run(lengths: [Int], childArguments: (Int) -> [String]) throws {
        printBuildWarning()
        print("FusionLab memory benchmark: peak resident memory (VmHWM) per phase, one child process per window")
        print("load average at start: \(ModelBench.loadAverage())\n")
        var table = TextTable(header: ["max_length", "prepared MiB", "training peak MiB", "scoring peak MiB",
                                       "pool peak in use, training MiB", "pool peak in use, scoring MiB", "training s", "scoring s"])
        for length in lengths {
            let figures = try runChild(childArguments(length))
            FileHandle.standardError.write(Data("max_length \(length): training peak \(mebibytes(figures.trainingPeakBytes)) MiB, scoring peak \(mebibytes(figures.scoringPeakBytes)) MiB\n".utf8))
            table.add([String(length), mebibytes(figures.preparedBytes), mebibytes(figures.trainingPeakBytes), mebibytes(figures.scoringPeakBytes),
                       mebibytes(figures.trainingPoolPeakBytes), mebibytes(figures.scoringPoolPeakBytes),
                       format(figures.trainingSeconds, 1), format(figures.scoringSeconds, 1)])
        }
        print(table.render() + "\n")
        print("Peaks include the prepared data and the model. The pool's figure is what tensors held at once; "
              + "its cache of free buffers is trimmed between training and scoring.")
        print("Load average at the end: \(ModelBench.loadAverage()) (wall seconds on a shared machine vary with it; memory does not).")
    }

    private static func runChild(_ arguments: [String]) throws -> Figures {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe")
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard process.terminationStatus == 0,
              let figures = text.split(separator: "\n").lazy.compactMap({ Figures(line: $0) }).first else {
            throw MemoryBenchError.childFailed(arguments: arguments, status: process.terminationStatus, output: text)
        }
        return figures
    }

    /// Prints `figures` for a parent (`run`) to read.
    public static func report(_ figures: Figures) { print(figures.line) }

    private static func mebibytes(_ bytes: Int) -> String { format(Double(bytes) / 1_048_576, 0) }
}

public enum MemoryBenchError: Error, CustomStringConvertible {
    case classicalModel
    case childFailed(arguments: [String], status: Int32, output: String)

    public var description: String {
        switch self {
        case .classicalModel: "bench memory measures a neural model; this config's model is a classical one"
        case let .childFailed(arguments, status, output):
            "the measuring process (\(arguments.joined(separator: " "))) exited with status \(status)"
                + (output.isEmpty ? "" : "; its output:\n\(output)")
        }
    }
}
