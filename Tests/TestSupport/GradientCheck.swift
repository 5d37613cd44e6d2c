import Tensor
import NN

/// Finite-difference gradient checking for any op or layer.
///
/// The engine computes in Float32; the check projects the output onto a fixed random
/// direction and accumulates that loss in Double, then compares the analytic gradient of every
/// input element with the central difference (f(x+ε) − f(x−ε)) / 2ε. With ε = 1e-2 the
/// truncation error of smooth ops is O(ε²) ≈ 1e-4 and Float32 round-off stays below 1e-4,
/// so the stated tolerance is |analytic − numeric| ≤ atol + rtol·max(|analytic|, |numeric|)
/// with atol = rtol = 1e-2 by default, plus a whole-gradient check that the relative error of
/// the vectors is below 1e-2.
public struct GradientCheckFailure: Error, CustomStringConvertible {
    public var description: String
}

public struct GradientCheckResult {
    public var checkedElements: Int
    public var maxAbsoluteError: Double
    public var relativeVectorError: Double
}

/// Checks d(Σ r ⊙ f(inputs))/d(input) for every input that `requiresGrad`.
/// `f` must be deterministic (re-seed any generator inside it).
@discardableResult
public func checkGradients(
    of inputs: [Tensor], epsilon: Float = 1e-2, absoluteTolerance: Double = 1e-2,
    relativeTolerance: Double = 1e-2, maxElementsPerInput: Int = 400,
    _ f: () -> Tensor
) throws -> GradientCheckResult {
    var generator = RandomGenerator(seed: 12345)
    let probe = f()
    let direction = Tensor(normal: probe.shape, generator: &generator)
    func projected() -> Double {
        let y = withoutGradients { f() }
        var s = 0.0
        for i in 0..<y.count { s += Double(y.pointer[i]) * Double(direction.pointer[i]) }
        return s
    }
    for x in inputs { x.zeroGrad() }
    let loss = (f() * direction).sum()
    loss.backward()

    var checked = 0, maxError = 0.0, diffNorm = 0.0, refNorm = 0.0
    var failures: [String] = []
    for (k, x) in inputs.enumerated() where x.requiresGrad {
        let analytic = x.grad?.scalars ?? [Float](repeating: 0, count: x.count)
        // Check every element of small inputs, an even spread of large ones.
        let step = max(1, x.count / maxElementsPerInput)
        for i in stride(from: 0, to: x.count, by: step) {
            let saved = x.pointer[i]
            x.pointer[i] = saved + epsilon
            let plus = projected()
            x.pointer[i] = saved - epsilon
            let minus = projected()
            x.pointer[i] = saved
            let numeric = (plus - minus) / (2 * Double(epsilon))
            let a = Double(analytic[i])
            let err = Swift.abs(a - numeric)
            maxError = max(maxError, err)
            diffNorm += err * err
            refNorm += max(a * a, numeric * numeric)
            checked += 1
            if err > absoluteTolerance + relativeTolerance * max(Swift.abs(a), Swift.abs(numeric)), failures.count < 8 {
                failures.append("input \(k) \(x.shape) element \(i): analytic \(a), numeric \(numeric)")
            }
        }
    }
    let relative = refNorm > 0 ? (diffNorm / refNorm).squareRoot() : diffNorm.squareRoot()
    if !failures.isEmpty || relative > relativeTolerance {
        throw GradientCheckFailure(description: "gradient check failed (relative vector error \(relative)):\n" + failures.joined(separator: "\n"))
    }
    if checked == 0 { throw GradientCheckFailure(description: "gradient check found no input that requires a gradient") }
    return GradientCheckResult(checkedElements: checked, maxAbsoluteError: maxError, relativeVectorError: relative)
}

/// Checks a module's parameters and (optionally) its input together.
@discardableResult
public func checkGradients(of module: any Module, inputs: [Tensor] = [], epsilon: Float = 1e-2,
                           tolerance: Double = 1e-2, maxElementsPerInput: Int = 400, _ f: () -> Tensor) throws -> GradientCheckResult {
    try checkGradients(of: inputs + module.namedParameters().map(\.tensor), epsilon: epsilon,
                       absoluteTolerance: tolerance, relativeTolerance: tolerance, maxElementsPerInput: maxElementsPerInput, f)
}

/// A random input for checks: normal values, gradient wanted.
public func randomInput(_ shape: [Int], seed: UInt64 = 1, scale: Float = 1) -> Tensor {
    var g = RandomGenerator(seed: seed)
    return Tensor(normal: shape, std: scale, generator: &g, requiresGrad: true)
}
