import Foundation

/// Training progress for people and for logs: a redrawn progress bar with loss, throughput and
/// ETA on a terminal; plain periodic lines otherwise (CI, pipes). Everything also goes to the
/// run's log file.
public final class ProgressReporter {
    public let interactive: Bool
    public let logEvery: Int
    private let logFile: FileHandle?
    private var lastDraw = 0.0
    /// Nothing on the console (the log file still gets every line). A data-parallel rank other
    /// than 0 is quiet: one rank speaks for the job.
    public var quiet = !ProcessGroup.active.isLeader

    /// With `append`, an existing log is continued (a resumed run keeps its earlier epochs).
    public init(logPath: String?, logEvery: Int, interactive: Bool? = nil, append: Bool = false) {
        let ci = ProcessInfo.processInfo.environment["CI"] != nil
        self.interactive = interactive ?? (isatty(STDOUT_FILENO) != 0 && !ci)
        self.logEvery = logEvery
        if let logPath {
            if !append || !FileManager.default.fileExists(atPath: logPath) { _ = FileManager.default.createFile(atPath: logPath, contents: nil) }
            logFile = FileHandle(forWritingAtPath: logPath)
            if append { _ = try? logFile?.seekToEnd() }
        } else {
            logFile = nil
        }
    }

    deinit { try? logFile?.close() }

    /// A line for the console and the log.
    public func log(_ line: String) {
        if interactive && !quiet { print("\r\u{1B}[K", terminator: "") }
        if !quiet { print(line) }
        fflush(nil)
        logFile?.write(Data((line + "\n").utf8))
    }

    /// Called after every training step.
    public func step(epoch: Int, epochs: Int, step: Int, steps: Int, loss: Double, samplesPerSecond: Double, secondsLeft: Double) {
        let text = String(format: "epoch %d/%d  step %d/%d  loss %.4f  %.0f samples/s  ETA %@",
                          epoch, epochs, step, steps, loss, samplesPerSecond, Self.duration(secondsLeft))
        if interactive && !quiet {
            let now = Date().timeIntervalSince1970
            guard now - lastDraw > 0.1 || step == steps else { return }
            lastDraw = now
            let width = 24, filled = steps > 0 ? width * step / steps : width
            print("\r\u{1B}[K[\(String(repeating: "#", count: filled))\(String(repeating: ".", count: width - filled))] \(text)", terminator: "")
            fflush(nil)
        } else if step % logEvery == 0 || step == steps {
            log(text)
        }
    }

    static func duration(_ s: Double) -> String {
        guard s.isFinite, s >= 0 else { return "--" }
        let t = Int(s.rounded())
        return t >= 3600 ? String(format: "%dh%02dm", t / 3600, t / 60 % 60) : String(format: "%dm%02ds", t / 60, t % 60)
    }
}
