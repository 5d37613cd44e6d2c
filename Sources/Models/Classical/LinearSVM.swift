import Support

/// A linear support vector machine with the squared hinge loss, as scikit-learn's `LinearSVC`
/// default loss, minimising `C · Σ_i cw_i · max(0, 1 − t_i z_i)² + ½‖w‖²` (t = ±1, z = x·w + b)
/// on the preprocessed design matrix. The squared hinge is differentiable, so the primal is
/// solved by L-BFGS like the logistic regression. The intercept b is not regularised (LinearSVC
/// regularises it as a feature of value `intercept_scaling`; unregularised is that with a large
/// scaling, and keeps the intercept free to place the boundary for rare anomalies).
/// Score = decision value z (higher = more anomalous; not a probability). Validation rows are
/// not used: the fit is a convex optimum, with nothing to stop early.
public final class LinearSVM: ClassicalModel {
    public struct Options: ClassicalModelOptions, Equatable {
        public var c: Double
        public var maxIterations: Int
        public var classWeight: ClassWeight
        public var minFrequency: Int

        public init(c: Double = 1, maxIterations: Int = 1000, classWeight: ClassWeight = .balanced, minFrequency: Int = 1) {
            self.c = c; self.maxIterations = maxIterations; self.classWeight = classWeight; self.minFrequency = minFrequency
        }
    }

    static let name = "linear_svm"

    public static let definition = ClassicalModelDefinition(
        name: name,
        doc: "Linear SVM with the squared hinge loss (as scikit-learn's LinearSVC, primal L-BFGS) on standardised, imputed and "
            + "one-hot features; score = decision value x·w + b (positive on the anomalous side).",
        fields: [
            ConfigField("c", .number(min: 0, exclusiveMinimum: true), default: 1.0,
                        "Inverse regularisation strength, as scikit-learn's C: larger fits the training rows more closely."),
            ConfigField("max_iterations", .integer(min: 1), default: 1000, "L-BFGS iterations at most."),
            ClassWeight.field,
            FeaturePreprocessing.minFrequencyField,
        ],
        options: Options.self,
        build: { o, _, _ in LinearSVM(options: o) })

    public let options: Options
    public private(set) var coefficients: [Float] = []
    public private(set) var intercept: Float = 0
    private var decision: LinearDecision?
    private var fitted: LBFGS.Result?

    public init(options: Options) { self.options = options }

    public func fit(_ train: FeatureMatrix, labels: [Float], valid: (features: FeatureMatrix, labels: [Float])?) throws(ClassicalModelError) {
        try checkSupervised(Self.name, train, labels)
        let preprocessing = FeaturePreprocessing(fitting: train, minFrequency: options.minFrequency)
        let costs = options.classWeight.rowWeights(labels).map { $0 * options.c }
        let objective = LinearObjective(loss: .squaredHinge, design: preprocessing.transform(train), rows: train.rows,
                                        columns: preprocessing.width, labels: labels, costs: costs)
        let result = objective.fit(maxIterations: options.maxIterations)
        coefficients = result.x.dropLast().map { Float($0) }
        intercept = Float(result.x.last!)
        decision = LinearDecision(preprocessing: preprocessing, weights: coefficients, bias: intercept)
        fitted = result
    }

    /// Decision values x·w + b.
    public func score(_ x: FeatureMatrix) -> [Float] {
        guard let decision else { preconditionFailure("\(Self.name) scored before it was fitted") }
        return decision.decisionValues(x)
    }

    public var summary: String {
        guard let fitted, let decision else { return "\(Self.name): not fitted" }
        return linearSummary(Self.name, fitted, features: decision.preprocessing.width)
    }
}
