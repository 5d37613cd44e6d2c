import Tensor
import NN

/// Finite-difference gradient checking for any op or layer.
///
/// The engine computes in Float32; the check projects the output onto a fixed random
/// direction and accumulates that loss in Double, then compares the analytic gradient of every
/// checked input element with the central difference (f(x+ε) − f(x−ε)) / 2ε. With ε = 1e-2 the
/// truncation error of smooth ops is O(ε²) ≈ 1e-4 and Float32 round-off stays below 1e-4.
///
/// Each input tensor is judged on its own, relative to its own scale, so a tensor with small
/// gradients is not hidden behind one with large ones:
/// - element by element, |analytic − numeric| ≤ atol + rtol·max(|analytic|, |numeric|), where
///   atol (`absoluteTolerance`) is the round-off floor of the numeric derivative;
/// - and the tensor's checked gradient as a vector: ‖analytic − numeric‖ ≤ rtol·max(‖analytic‖, ‖numeric‖)
///   + atol·√m (m checked elements; the same rule for the vector), so a tensor whose gradient is
///   wrong is caught once its norm is clear of the round-off floor, however small it is next to
///   the other tensors' (the old check pooled every input into one vector).
/// Of a large tensor, `maxElementsPerInput` elements are checked: half an even spread, half those
/// with the largest analytic gradient (so the check is not spent on elements whose gradient is zero).
public struct GradientCheckFailure: Error, CustomStringConvertible {
    public var description: String
}

public struct GradientCheckResult {
    public var checkedElements: Int
    public var maxAbsoluteError: Double
    /// The largest per-input relative vector error among inputs above the round-off floor.
    public var relativeVectorError: Double
    /// Per input: (checked elements, relative vector error or nil when at the round-off floor).
    public var perInput: [(elements: Int, relativeError: Double?)]
}

/// Checks d(Σ r ⊙ f(inputs))/d(input) for every input that `requiresGrad`.
/// `f` must be deterministic (re-seed any generator inside it).
@discardableResult
public func checkGradients(
    of inputs: [Tensor], names: [String]? = nil, epsilon: Float = 1e-2, absoluteTolerance: Double = 1e-2,
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

    var checked = 0, maxError = 0.0, worstRelative = 0.0
    var failures: [String] = [], perInput: [(elements: Int, relativeError: Double?)] = []
    for (k, x) in inputs.enumerated() where x.requiresGrad {
        let label = names.map { "\($0[k]) \(x.shape)" } ?? "input \(k) \(x.shape)"
        let analytic = x.grad?.scalars ?? [Float](repeating: 0, count: x.count)
        var elements: [Int]
        if x.count <= maxElementsPerInput {
            elements = Array(0..<x.count)
        } else {
            let spread = max(1, maxElementsPerInput / 2)
            elements = Array(stride(from: 0, to: x.count, by: max(1, x.count / spread)).prefix(spread))
            let largest = analytic.indices.sorted { Swift.abs(analytic[$0]) > Swift.abs(analytic[$1]) }
            for i in largest where elements.count < maxElementsPerInput && !elements.contains(i) { elements.append(i) }
        }
        var diffNorm = 0.0, analyticNorm = 0.0, numericNorm = 0.0
        for i in elements {
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
            analyticNorm += a * a
            numericNorm += numeric * numeric
            checked += 1
            if err > absoluteTolerance + relativeTolerance * max(Swift.abs(a), Swift.abs(numeric)), failures.count < 12 {
                failures.append("\(label) element \(i): analytic \(a), numeric \(numeric)")
            }
        }
        let scale = max(analyticNorm, numericNorm).squareRoot(), floor = absoluteTolerance * Double(elements.count).squareRoot()
        if scale > floor {
            let relative = diffNorm.squareRoot() / scale
            worstRelative = max(worstRelative, relative)
            perInput.append((elements.count, relative))
            if diffNorm.squareRoot() > relativeTolerance * scale + floor {
                failures.append("\(label): ‖analytic − numeric‖ = \(diffNorm.squareRoot()) exceeds \(relativeTolerance) × its norm \(scale) + \(floor)")
            }
        } else {
            perInput.append((elements.count, nil))
        }
    }
    if !failures.isEmpty {
        throw GradientCheckFailure(description: "gradient check failed:\n" + failures.joined(separator: "\n"))
    }
    if checked == 0 { throw GradientCheckFailure(description: "gradient check found no input that requires a gradient") }
    return GradientCheckResult(checkedElements: checked, maxAbsoluteError: maxError, relativeVectorError: worstRelative, perInput: perInput)
}

/// Checks a module's parameters (each tensor on its own, named in failures) and, optionally, its inputs.
@discardableResult
public func checkGradients(of module: any Module, inputs: [Tensor] = [], epsilon: Float = 1e-2,
                           tolerance: Double = 1e-2, absoluteTolerance: Double? = nil, maxElementsPerInput: Int = 400,
                           _ f: () -> Tensor) throws -> GradientCheckResult {
    let parameters = module.namedParameters()
    return try checkGradients(of: inputs + parameters.map(\.tensor), names: inputs.indices.map { "input \($0)" } + parameters.map(\.name),
                              epsilon: epsilon, absoluteTolerance: absoluteTolerance ?? tolerance, relativeTolerance: tolerance,
                              maxElementsPerInput: maxElementsPerInput, f)
}

/// A random input for checks: normal values, gradient wanted.
public func randomInput(_ shape: [Int], seed: UInt64 = 1, scale: Float = 1) -> Tensor {
    var g = RandomGenerator(seed: seed)
    return Tensor(normal: shape, std: scale, generator: &g, requiresGrad: true)
}
