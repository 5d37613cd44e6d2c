import Foundation

/// The timing method of Benchmarks/torch_reference.py: warm-up, calibrate the number of steps so a
/// repetition lasts at least `minimumSeconds`, then time `repetitions` repetitions and report the
/// median and range of the per-repetition rate.
struct BenchTimer {
    var repetitions: Int
    var minimumSeconds: Double
    var warmupSteps = 3

    struct Result {
        /// Seconds per step in each repetition.
        var secondsPerStep: [Double]
        /// Steps timed in each repetition (calibrated).
        var stepsPerRepetition = 1
        var median: Double { sorted[sorted.count / 2] }
        var min: Double { sorted.first! }
        var max: Double { sorted.last! }
        private var sorted: [Double] { secondsPerStep.sorted() }
        init(secondsPerStep: [Double]) { self.secondsPerStep = secondsPerStep }
    }

    func measure(_ step: () -> Void) -> Result {
        for _ in 0..<warmupSteps { step() }
        var n = 1
        while true {
            let dt = Self.seconds { for _ in 0..<n { step() } }
            if dt >= minimumSeconds { break }
            n = Swift.max(n + 1, Int(Double(n) * minimumSeconds * 1.1 / Swift.max(dt, 1e-6)))
        }
        var perStep: [Double] = []
        for _ in 0..<repetitions {
            let dt = Self.seconds { for _ in 0..<n { step() } }
            perStep.append(dt / Double(n))
        }
        var result = Result(secondsPerStep: perStep)
        result.stepsPerRepetition = n
        return result
    }

    /// Times two steps in alternating repetitions, so both see the same machine conditions
    /// (a ratio of two separately timed runs drifts with the load of a shared machine).
    func measurePair(_ first: () -> Void, _ second: () -> Void) -> (Result, Result) {
        for _ in 0..<warmupSteps { first(); second() }
        var n = 1
        while true {
            let dt = Self.seconds { for _ in 0..<n { first() } }
            if dt >= minimumSeconds / 2 { break }
            n = Swift.max(n + 1, Int(Double(n) * minimumSeconds * 0.55 / Swift.max(dt, 1e-6)))
        }
        var a: [Double] = [], b: [Double] = []
        for _ in 0..<repetitions {
            a.append(Self.seconds { for _ in 0..<n { first() } } / Double(n))
            b.append(Self.seconds { for _ in 0..<n { second() } } / Double(n))
        }
        return (Result(secondsPerStep: a), Result(secondsPerStep: b))
    }

    static func seconds(_ body: () -> Void) -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    static func elapsedSeconds<T>(_ body: () throws -> T) throws -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        _ = try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }
}

/// Timings from a debug build mislead; say so before any figure.
func printBuildWarning() {
    #if DEBUG
    print("warning: this is a debug build; figures are not representative. Use `swift build -c release`.\n")
    #endif
}
