/// Limited-memory BFGS for the smooth convex objectives of the linear models (logistic loss,
/// squared hinge — the latter only once differentiable, which L-BFGS handles well in practice).
/// Parameters and the curvature history are Double; the objective may compute in Float (BLAS)
/// and accumulate in Double.
///
/// Each step takes the two-loop direction and backtracks from step 1 until the Armijo condition
/// holds. A pair with non-positive curvature (sᵀy ≤ 0, only from round-off: the objectives are
/// convex) is not stored. The run stops when the largest gradient entry is at most `tolerance`,
/// when no step decreases the objective any more (Float round-off floor), or after
/// `maxIterations` steps.
struct LBFGS {
    enum Stop: Sendable {
        /// The largest gradient entry reached the tolerance.
        case converged
        /// No step along the direction lowered the objective: the Float round-off floor.
        case precisionFloor
        /// `maxIterations` steps were taken first.
        case iterationLimit
    }

    struct Result: Sendable {
        var x: [Double]
        var value: Double
        var iterations: Int
        var gradientMax: Double
        var stop: Stop
    }

    var memory = 10
    var maxIterations: Int
    var tolerance: Double

    /// `objective(x, gradient)` writes the gradient at `x` and returns the value.
    func minimize(from start: [Double],
                  _ objective: (UnsafeBufferPointer<Double>, UnsafeMutableBufferPointer<Double>) -> Double) -> Result {
        let d = start.count
        var x = start, g = [Double](repeating: 0, count: d)
        var trial = x, trialGradient = g, direction = g
        // Ring buffers of the last `memory` pairs s = Δx, y = Δg, stored flat.
        var s = [Double](repeating: 0, count: memory * d), y = s
        var rho = [Double](repeating: 0, count: memory), alpha = rho
        var stored = 0, newest = -1

        func evaluate(_ point: [Double], _ gradient: inout [Double]) -> Double {
            point.withUnsafeBufferPointer { p in gradient.withUnsafeMutableBufferPointer { objective(p, $0) } }
        }
        var f = evaluate(x, &g)
        var iterations = 0, stop = Stop.iterationLimit

        while true {
            let gMax = g.reduce(0) { max($0, Swift.abs($1)) }
            if gMax <= tolerance { stop = .converged; break }
            if iterations >= maxIterations { break }

            // Two-loop recursion: direction = −H·g.
            for i in 0..<d { direction[i] = -g[i] }
            var k = newest
            for _ in 0..<stored {
                var dot = 0.0
                for i in 0..<d { dot += s[k * d + i] * direction[i] }
                alpha[k] = rho[k] * dot
                for i in 0..<d { direction[i] -= alpha[k] * y[k * d + i] }
                k = (k - 1 + memory) % memory
            }
            if stored > 0 {
                var sy = 0.0, yy = 0.0
                for i in 0..<d { sy += s[newest * d + i] * y[newest * d + i]; yy += y[newest * d + i] * y[newest * d + i] }
                let gamma = sy / yy
                for i in 0..<d { direction[i] *= gamma }
                k = (newest - stored + 1 + memory) % memory
                for _ in 0..<stored {
                    var dot = 0.0
                    for i in 0..<d { dot += y[k * d + i] * direction[i] }
                    let beta = rho[k] * dot
                    for i in 0..<d { direction[i] += s[k * d + i] * (alpha[k] - beta) }
                    k = (k + 1) % memory
                }
            } else {
                // No curvature known yet: a first step of unit length at most.
                let norm = g.reduce(0) { $0 + $1 * $1 }.squareRoot()
                if norm > 1 { for i in 0..<d { direction[i] /= norm } }
            }
            var slope = 0.0
            for i in 0..<d { slope += g[i] * direction[i] }
            if !(slope < 0) {
                // Round-off spoilt the direction: forget the history, go down the gradient.
                stored = 0
                for i in 0..<d { direction[i] = -g[i] }
                slope = -g.reduce(0) { $0 + $1 * $1 }
            }

            var step = 1.0, accepted = false, fTrial = f
            for _ in 0..<50 {
                for i in 0..<d { trial[i] = x[i] + step * direction[i] }
                fTrial = evaluate(trial, &trialGradient)
                if fTrial <= f + 1e-4 * step * slope { accepted = true; break }
                step *= 0.5
            }
            iterations += 1
            guard accepted, fTrial < f else { stop = .precisionFloor; break }

            var sy = 0.0
            for i in 0..<d { sy += (trial[i] - x[i]) * (trialGradient[i] - g[i]) }
            if sy > 1e-12 {
                newest = (newest + 1) % memory
                for i in 0..<d {
                    s[newest * d + i] = trial[i] - x[i]
                    y[newest * d + i] = trialGradient[i] - g[i]
                }
                rho[newest] = 1 / sy
                stored = min(stored + 1, memory)
            }
            swap(&x, &trial)
            swap(&g, &trialGradient)
            f = fTrial
        }
        return Result(x: x, value: f, iterations: iterations, gradientMax: g.reduce(0) { max($0, Swift.abs($1)) }, stop: stop)
    }
}
