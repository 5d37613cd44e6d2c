import COpenBLAS
import Foundation
import Support

/// How the two classes weigh in a supervised model's loss.
public enum ClassWeight: String, Codable, Sendable {
    /// Each class weighs n / (2 · n_class) per row, as scikit-learn's `class_weight="balanced"`:
    /// anomalies are rare, and unweighted they barely move the fit.
    case balanced
    /// Every row weighs 1.
    case unweighted = "none"

    static let field = ConfigField(
        "class_weight", .choice(["balanced", "none"]), default: "balanced",
        "balanced weighs each class n / (2 · n_class) (anomalies are rare); none weighs every row 1.")

    /// Per-row weights for 0/1 labels.
    func rowWeights(_ labels: [Float]) -> [Double] {
        guard self == .balanced else { return [Double](repeating: 1, count: labels.count) }
        let positives = labels.reduce(0) { $0 + ($1 > 0.5 ? 1 : 0) }, n = labels.count
        let positive = Double(n) / (2 * Double(positives)), negative = Double(n) / (2 * Double(n - positives))
        return labels.map { $0 > 0.5 ? positive : negative }
    }
}

/// The checks every supervised model makes of its training data before fitting.
func checkSupervised(_ model: String, _ train: FeatureMatrix, _ labels: [Float]) throws(ClassicalModelError) {
    guard labels.count == train.rows else {
        throw ClassicalModelError(model: model, message: "\(labels.count) labels for \(train.rows) training rows")
    }
    guard labels.allSatisfy({ $0 == 0 || $0 == 1 }) else {
        throw ClassicalModelError(model: model, message: "training labels must be 0 (normal) or 1 (anomalous)")
    }
    let positives = labels.reduce(0) { $0 + Int($1) }
    guard positives > 0, positives < labels.count else {
        throw ClassicalModelError(model: model, message: "the training rows hold only \(positives == 0 ? "normal" : "anomalous") samples; "
                                  + "a supervised model needs both classes (isolation_forest needs no labels)")
    }
}

/// A linear model's loss over a design matrix: the value and gradient of
/// `Σ_i c_i · loss(y_i, x_i·w + b) + ½‖w‖²` at (w, b), with c_i = C × the row's class weight,
/// the intercept b last and not regularised. `Xw` and `Xᵀr` are single `sgemv` calls on the
/// design matrix; per-row terms are summed in Double. Scratch buffers are allocated once.
final class LinearObjective {
    enum Loss {
        /// log(1 + e^z) − y·z with y ∈ {0, 1}.
        case logistic
        /// max(0, 1 − t·z)² with t = 2y − 1 ∈ {−1, +1}.
        case squaredHinge
    }

    let loss: Loss
    let rows: Int, columns: Int
    let design: [Float]
    let labels: [Float]
    let costs: [Double]
    private var margins: [Float], residuals: [Float], weights: [Float], gradient: [Float]

    init(loss: Loss, design: [Float], rows: Int, columns: Int, labels: [Float], costs: [Double]) {
        self.loss = loss; self.design = design; self.rows = rows; self.columns = columns
        self.labels = labels; self.costs = costs
        margins = [Float](repeating: 0, count: rows); residuals = margins
        weights = [Float](repeating: 0, count: columns); gradient = weights
    }

    /// Writes the gradient over (w, b) into `g` and returns the objective at `x` = (w, b).
    func evaluate(_ x: UnsafeBufferPointer<Double>, _ g: UnsafeMutableBufferPointer<Double>) -> Double {
        let n = rows, d = columns, bias = x[d]
        for j in 0..<d { weights[j] = Float(x[j]) }
        design.withUnsafeBufferPointer { a in
            weights.withUnsafeBufferPointer { w in
                margins.withUnsafeMutableBufferPointer { z in
                    if d > 0 {
                        cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(n), Int32(d), 1, a.baseAddress, Int32(d),
                                    w.baseAddress, 1, 0, z.baseAddress, 1)
                    } else {
                        for i in 0..<n { z[i] = 0 }
                    }
                }
            }
        }
        var value = 0.0, biasGradient = 0.0
        margins.withUnsafeBufferPointer { z in
            residuals.withUnsafeMutableBufferPointer { r in
                labels.withUnsafeBufferPointer { y in
                    costs.withUnsafeBufferPointer { c in
                        switch loss {
                        case .logistic:
                            for i in 0..<n {
                                let zi = Double(z[i]) + bias
                                // log(1 + e^z) without overflow either way.
                                let softplus = zi > 0 ? zi + log1p(exp(-zi)) : log1p(exp(zi))
                                value += c[i] * (softplus - Double(y[i]) * zi)
                                let ri = c[i] * (Self.sigmoid(zi) - Double(y[i]))
                                r[i] = Float(ri)
                                biasGradient += ri
                            }
                        case .squaredHinge:
                            for i in 0..<n {
                                let t = y[i] > 0.5 ? 1.0 : -1.0
                                let slack = max(0, 1 - t * (Double(z[i]) + bias))
                                value += c[i] * slack * slack
                                let ri = -2 * c[i] * t * slack
                                r[i] = Float(ri)
                                biasGradient += ri
                            }
                        }
                    }
                }
            }
        }
        if d > 0 {
            design.withUnsafeBufferPointer { a in
                residuals.withUnsafeBufferPointer { r in
                    gradient.withUnsafeMutableBufferPointer { gw in
                        cblas_sgemv(CblasRowMajor, CblasTrans, Int32(n), Int32(d), 1, a.baseAddress, Int32(d),
                                    r.baseAddress, 1, 0, gw.baseAddress, 1)
                    }
                }
            }
        }
        for j in 0..<d {
            value += 0.5 * x[j] * x[j]
            g[j] = Double(gradient[j]) + x[j]
        }
        g[d] = biasGradient
        return value
    }

    @inline(__always)
    static func sigmoid(_ z: Double) -> Double { z >= 0 ? 1 / (1 + exp(-z)) : exp(z) / (1 + exp(z)) }

    /// Fits (w, b) from zero; the stopping tolerance on the largest gradient entry scales with
    /// the total cost Σ c_i, so it means the same relative accuracy at any C and row count.
    func fit(maxIterations: Int) -> LBFGS.Result {
        let total = costs.reduce(0, +)
        let solver = LBFGS(maxIterations: maxIterations, tolerance: 1e-6 * max(1, total))
        return solver.minimize(from: [Double](repeating: 0, count: columns + 1)) { x, g in evaluate(x, g) }
    }
}

/// Fitted (w, b) over a preprocessing: the decision value x·w + b of any rows.
struct LinearDecision: Sendable {
    let preprocessing: FeaturePreprocessing
    let weights: [Float]
    let bias: Float

    func decisionValues(_ x: FeatureMatrix) -> [Float] {
        let design = preprocessing.transform(x), n = x.rows, d = weights.count
        var out = [Float](repeating: bias, count: n)
        guard d > 0, n > 0 else { return out }
        design.withUnsafeBufferPointer { a in
            weights.withUnsafeBufferPointer { w in
                out.withUnsafeMutableBufferPointer { z in
                    cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(n), Int32(d), 1, a.baseAddress, Int32(d),
                                w.baseAddress, 1, 1, z.baseAddress, 1)
                }
            }
        }
        return out
    }
}

/// "logistic_regression: 12 features, L-BFGS converged in 37 iterations (largest gradient 1.2e-05)";
/// one that used up `max_iterations` says so, as raising it may improve the fit.
func linearSummary(_ name: String, _ result: LBFGS.Result, features: Int) -> String {
    let how = switch result.stop {
    case .converged: "converged in \(result.iterations) iterations"
    case .precisionFloor: "reached the limit of Float precision after \(result.iterations) iterations"
    case .iterationLimit: "stopped at max_iterations (\(result.iterations)) before converging"
    }
    return "\(name): \(features) features, L-BFGS \(how) (largest gradient \(String(format: "%.2g", result.gradientMax)))"
}
