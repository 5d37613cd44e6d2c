import Support

/// L2-regularised logistic regression on the preprocessed design matrix, minimising
/// scikit-learn's `LogisticRegression(C=c)` objective
/// `C · Σ_i cw_i · (log(1 + e^{z_i}) − y_i z_i) + ½‖w‖²`, z = x·w + b, intercept b not
/// regularised, by L-BFGS (two `sgemv` per evaluation). Score = predicted probability of anomaly.
/// Validation rows are not used (nothing to stop early: the fit is a convex optimum).
public final class LogisticRegression: ClassicalModel {
    public struct Options: ClassicalModelOptions, Equatable {
        public var c: Double
        public var maxIterations: Int
        public var classWeight: ClassWeight
        public var minFrequency: Int

        public init(c: Double = 1, maxIterations: Int = 200, classWeight: ClassWeight = .balanced, minFrequency: Int = 1) {
            self.c = c; self.maxIterations = maxIterations; self.classWeight = classWeight; self.minFrequency = minFrequency
        }
    }

    static let name = "logistic_regression"

    public static let definition = ClassicalModelDefinition(
        name: name,
        doc: "L2-regularised logistic regression (as scikit-learn's LogisticRegression, L-BFGS) on standardised, imputed and "
            + "one-hot features; score = predicted probability of anomaly.",
        fields: [
            ConfigField("c", .number(min: 0, exclusiveMinimum: true), default: 1.0,
                        "Inverse regularisation strength, as scikit-learn's C: larger fits the training rows more closely."),
            ConfigField("max_iterations", .integer(min: 1), default: 200, "L-BFGS iterations at most."),
            ClassWeight.field,
            FeaturePreprocessing.minFrequencyField,
        ],
        options: Options.self,
        build: { o, _, _ in LogisticRegression(options: o) })

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
        let objective = LinearObjective(loss: .logistic, design: preprocessing.transform(train), rows: train.rows,
                                        columns: preprocessing.width, labels: labels, costs: costs)
        let result = objective.fit(maxIterations: options.maxIterations)
        coefficients = result.x.dropLast().map { Float($0) }
        intercept = Float(result.x.last!)
        decision = LinearDecision(preprocessing: preprocessing, weights: coefficients, bias: intercept)
        fitted = result
    }

    /// Predicted probabilities of anomaly.
    public func score(_ x: FeatureMatrix) -> [Float] {
        guard let decision else { preconditionFailure("\(Self.name) scored before it was fitted") }
        return decision.decisionValues(x).map { Float(LinearObjective.sigmoid(Double($0))) }
    }

    public var summary: String {
        guard let fitted, let decision else { return "\(Self.name): not fitted" }
        return linearSummary(Self.name, fitted, features: decision.preprocessing.width)
    }
}
