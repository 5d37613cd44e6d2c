import Support

/// A linear model on the preprocessed design matrix, fitted by L-BFGS on
/// `C · Σ_i cw_i · loss(y_i, z_i) + ½‖w‖²`, z = x·w + b, the intercept b not regularised (two
/// `sgemv` per evaluation). Logistic regression and the linear SVM are this with their loss
/// (`LogisticRegression`, `LinearSVM`). Validation rows are not used: the fit is a convex
/// optimum, with nothing to stop early.
public final class LinearClassifier: ClassicalModel {
    public struct Options: ClassicalModelOptions, Equatable {
        public var c: Double
        public var maxIterations: Int
        public var classWeight: ClassWeight
        public var minFrequency: Int

        public init(c: Double = 1, maxIterations: Int = 200, classWeight: ClassWeight = .balanced, minFrequency: Int = 1) {
            self.c = c; self.maxIterations = maxIterations; self.classWeight = classWeight; self.minFrequency = minFrequency
        }
    }

    public let name: String
    let loss: LinearObjective.Loss
    public let options: Options
    public private(set) var coefficients: [Float] = []
    public private(set) var intercept: Float = 0
    private var decision: LinearDecision?
    private var fitted: LBFGS.Result?

    init(name: String, loss: LinearObjective.Loss, options: Options) { self.name = name; self.loss = loss; self.options = options }

    public func fit(_ train: FeatureMatrix, labels: [Float], valid: (features: FeatureMatrix, labels: [Float])?) throws(ClassicalModelError) {
        try checkSupervised(name, train, labels)
        let preprocessing = FeaturePreprocessing(fitting: train, minFrequency: options.minFrequency)
        let costs = options.classWeight.rowWeights(labels).map { $0 * options.c }
        let objective = LinearObjective(loss: loss, design: preprocessing.transform(train), rows: train.rows,
                                        columns: preprocessing.width, labels: labels, costs: costs)
        let result = objective.fit(maxIterations: options.maxIterations)
        coefficients = result.x.dropLast().map { Float($0) }
        intercept = Float(result.x.last!)
        decision = LinearDecision(preprocessing: preprocessing, weights: coefficients, bias: intercept)
        fitted = result
    }

    /// The logistic loss's predicted probabilities of anomaly; the hinge's decision values x·w + b.
    public func score(_ x: FeatureMatrix) -> [Float] {
        guard let decision else { preconditionFailure("\(name) scored before it was fitted") }
        let z = decision.decisionValues(x)
        return loss == .logistic ? z.map { Float(LinearObjective.sigmoid(Double($0))) } : z
    }

    public var summary: String {
        guard let fitted, let decision else { return "\(name): not fitted" }
        return linearSummary(name, fitted, features: decision.preprocessing.width)
    }

    /// A registered linear model: its loss, doc and iteration default; the other fields are shared.
    static func definition(name: String, loss: LinearObjective.Loss, doc: String, maxIterations: Int) -> ClassicalModelDefinition {
        ClassicalModelDefinition(
            name: name, doc: doc,
            fields: [
                ConfigField("c", .number(min: 0, exclusiveMinimum: true), default: 1.0,
                            "Inverse regularisation strength, as scikit-learn's C: larger fits the training rows more closely."),
                ConfigField("max_iterations", .integer(min: 1), default: .number(Double(maxIterations)), "L-BFGS iterations at most."),
                ClassWeight.field,
                FeaturePreprocessing.minFrequencyField,
            ],
            scoresAreProbabilities: loss == .logistic, options: Options.self, build: { o, _, _ in LinearClassifier(name: name, loss: loss, options: o) })
    }
}

/// L2-regularised logistic regression, scikit-learn's `LogisticRegression(C=c)` objective with the
/// loss `log(1 + e^z) − y z`. Score = predicted probability of anomaly.
public enum LogisticRegression {
    static let name = "logistic_regression"

    public static func make(options: LinearClassifier.Options) -> LinearClassifier { LinearClassifier(name: name, loss: .logistic, options: options) }

    public static let definition = LinearClassifier.definition(
        name: name, loss: .logistic,
        doc: "L2-regularised logistic regression (as scikit-learn's LogisticRegression, L-BFGS) on standardised, imputed and "
            + "one-hot features; score = predicted probability of anomaly.", maxIterations: 200)
}

/// A linear support vector machine with the squared hinge `max(0, 1 − t z)²` (t = ±1), scikit-learn's
/// `LinearSVC` default loss, solved in the primal (the squared hinge is differentiable). The
/// intercept is not regularised (LinearSVC regularises it as a feature of value
/// `intercept_scaling`; unregularised is that with a large scaling, and keeps the intercept free
/// to place the boundary for rare anomalies). Score = decision value z (not a probability).
public enum LinearSVM {
    static let name = "linear_svm"

    public static func make(options: LinearClassifier.Options) -> LinearClassifier { LinearClassifier(name: name, loss: .squaredHinge, options: options) }

    public static let definition = LinearClassifier.definition(
        name: name, loss: .squaredHinge,
        doc: "Linear SVM with the squared hinge loss (as scikit-learn's LinearSVC, primal L-BFGS) on standardised, imputed and "
            + "one-hot features; score = decision value x·w + b (positive on the anomalous side).", maxIterations: 1000)
}
