import CXGBoost
import Support

/// Gradient-boosted trees from XGBoost 1.7.4 through its C API (Debian's libxgboost-dev): the
/// same library as Python's `xgboost==1.7.4`, driven the way `xgb.train` drives it, so the same
/// data and parameters give Python's probabilities (Tests/Fixtures/xgboost_parity.json).
/// Categorical columns go in as XGBoost categories (feature type "c", hist trees), so one split
/// can send any set of codes left rather than a threshold on the code.
public final class GradientBoostedTrees: ClassicalModel {
    public struct Options: ClassicalModelOptions, Equatable {
        public var rounds: Int
        public var learningRate: Double
        public var maxDepth: Int
        public var minChildWeight: Double
        public var subsample: Double
        public var colsampleBytree: Double
        public var regLambda: Double
        public var regAlpha: Double
        public var maxBin: Int
        public var earlyStoppingRounds: Int
        public var scalePosWeight: Double
        /// Weigh positive rows by negatives over positives among the training labels instead.
        public var balanceClasses: Bool
        public var maxCatToOnehot: Int
    }

    public static let name = "gbdt"

    public static let definition = ClassicalModelDefinition(
        name: name,
        doc: "Gradient-boosted trees (XGBoost 1.7.4, hist trees, binary:logistic); the score is the predicted probability "
            + "from the trees up to the best validation round. Categorical columns split as categories.",
        fields: [
            ConfigField("rounds", .integer(min: 1), default: 500, "Boosting rounds at most (one tree each)."),
            ConfigField("learning_rate", .number(min: 0, max: 1, exclusiveMinimum: true), default: 0.05,
                        "Shrinkage of each tree's contribution (XGBoost eta)."),
            ConfigField("max_depth", .integer(min: 1, max: 64), default: 6, "Depth limit of each tree."),
            ConfigField("min_child_weight", .number(min: 0), default: 1,
                        "Smallest hessian sum a leaf may hold; larger keeps trees from fitting a few rows."),
            ConfigField("subsample", .number(min: 0, max: 1, exclusiveMinimum: true), default: 0.8,
                        "Share of training rows each tree sees, drawn from the run seed."),
            ConfigField("colsample_bytree", .number(min: 0, max: 1, exclusiveMinimum: true), default: 0.8,
                        "Share of columns each tree may split on, drawn from the run seed."),
            ConfigField("reg_lambda", .number(min: 0), default: 1, "L2 penalty on leaf weights (XGBoost lambda)."),
            ConfigField("reg_alpha", .number(min: 0), default: 0, "L1 penalty on leaf weights (XGBoost alpha)."),
            ConfigField("max_bin", .integer(min: 2), default: 256, "Histogram bins per numeric column."),
            ConfigField("early_stopping_rounds", .integer(min: 0), default: 50, off: 0,
                        "Stop after this many rounds without a better validation aucpr (XGBoost's area under the "
                        + "precision-recall curve, its counterpart of the default early-stopping metric average_precision) "
                        + "and score with the trees up to the best round; 0: off, every round is kept. "
                        + "Off as well without validation rows or when they hold one class only."),
            ConfigField("scale_pos_weight", .number(min: 0, exclusiveMinimum: true), default: 1.0,
                        "Weight of positive rows in the loss; 1 is XGBoost's own default — reweighting moves the trees' "
                        + "probabilities and split choices toward the rare class, which on the small shop cost 0.05 test ROC-AUC."),
            ConfigField("balance_classes", .bool, default: false,
                        "Weigh positive rows by negatives over positives among the training rows instead of scale_pos_weight "
                        + "(as training.imbalance pos_weight for the neural model; 1 when either class is missing)."),
            ConfigField("max_cat_to_onehot", .integer(min: 1), default: 4,
                        "A categorical column with at most this many categories splits one category against the rest; "
                        + "one with more splits any subset of categories against the rest."),
        ],
        scoresAreProbabilities: true,
        options: Options.self,
        build: { o, seed, threads in GradientBoostedTrees(options: o, seed: seed, threads: threads) })

    public let options: Options
    public let seed: UInt64
    public let threads: Int

    private var booster: Booster?
    private var columns: [String] = []
    /// Rounds boosted; the model scores with the first `keptRounds`.
    public private(set) var roundsTrained = 0
    public private(set) var keptRounds = 0
    /// The best validation aucpr and why early stopping did not run, for the summary.
    private var bestScore: Double?
    private var stoppingNote: String?
    public private(set) var featuresUsed: [String] = []

    public init(options: Options, seed: UInt64, threads: Int) {
        self.options = options; self.seed = seed; self.threads = max(1, threads)
    }

    /// What goes to XGBoosterSetParam, in order; Benchmarks/make_xgboost_fixture.py sets the same.
    public func parameters(trainLabels: [Float]) -> [(String, String)] {
        let positives = trainLabels.filter { $0 == 1 }.count, negatives = trainLabels.count - positives
        let positiveWeight = !options.balanceClasses ? options.scalePosWeight
            : positives > 0 && negatives > 0 ? Double(negatives) / Double(positives) : 1
        return [
            ("objective", "binary:logistic"),
            ("tree_method", "hist"),  // the tree method that splits categories in 1.7
            ("eta", "\(options.learningRate)"),
            ("max_depth", "\(options.maxDepth)"),
            ("min_child_weight", "\(options.minChildWeight)"),
            ("subsample", "\(options.subsample)"),
            ("colsample_bytree", "\(options.colsampleBytree)"),
            ("lambda", "\(options.regLambda)"),
            ("alpha", "\(options.regAlpha)"),
            ("max_bin", "\(options.maxBin)"),
            ("max_cat_to_onehot", "\(options.maxCatToOnehot)"),
            ("scale_pos_weight", "\(positiveWeight)"),
            ("eval_metric", "aucpr"),
            // XGBoost's seed is an int64; the bit pattern keeps every run seed distinct.
            ("seed", "\(Int64(bitPattern: seed))"),
            ("nthread", "\(threads)"),
            // As Python sets it: a parameter XGBoost does not know is warned about, not ignored silently.
            ("validate_parameters", "1"),
        ]
    }

    public func fit(_ train: FeatureMatrix, labels: [Float], valid: (features: FeatureMatrix, labels: [Float])?) throws(ClassicalModelError) {
        precondition(labels.count == train.rows, "labels for \(labels.count) rows, features for \(train.rows)")
        guard train.rows > 0 else { throw Self.error("no training rows") }
        booster = nil; roundsTrained = 0; keptRounds = 0; bestScore = nil; stoppingNote = nil; featuresUsed = []
        columns = train.names

        let dtrain = try DMatrix(train, labels: labels)
        // Early stopping watches validation aucpr, which needs both classes there.
        var dvalid: DMatrix?
        if options.earlyStoppingRounds > 0 {
            if let valid, valid.features.rows > 0 {
                precondition(valid.features.columns == train.columns, "validation has \(valid.features.columns) columns, training \(train.columns)")
                if valid.labels.contains(1) && valid.labels.contains(0) {
                    dvalid = try DMatrix(valid.features, labels: valid.labels)
                } else { stoppingNote = "early stopping off: validation rows hold one class only" }
            } else { stoppingNote = "early stopping off: no validation rows" }
        }
        // Python's xgb.train caches every matrix it will evaluate in the booster; so does this.
        let booster = try Booster(cache: [dtrain] + (dvalid.map { [$0] } ?? []))
        for (key, value) in parameters(trainLabels: labels) { try booster.set(key, value) }

        // xgb.train's EarlyStopping: the first round is the best so far; a later one replaces it
        // only when strictly better (on the printed metric value, as Python parses it).
        var best = 0, sinceBest = 0
        for round in 0..<options.rounds {
            try Self.check(XGBoosterUpdateOneIter(booster.handle, Int32(round), dtrain.handle), "training round \(round + 1)")
            roundsTrained = round + 1
            guard let dvalid else { continue }
            let score = try booster.evaluate(round: round, on: dvalid)
            if round == 0 || score > bestScore! { best = round; bestScore = score; sinceBest = 0 } else { sinceBest += 1 }
            if sinceBest >= options.earlyStoppingRounds { break }
        }
        keptRounds = dvalid == nil ? roundsTrained : best + 1
        self.booster = booster
        featuresUsed = try booster.featuresUsed(rounds: keptRounds).map { train.names[$0] }
    }

    public func score(_ x: FeatureMatrix) -> [Float] {
        guard let booster else { preconditionFailure("GradientBoostedTrees.score before fit") }
        precondition(x.columns == columns.count, "scoring \(x.columns) columns, trained on \(columns.count)")
        guard x.rows > 0 else { return [] }
        // The protocol's score cannot throw: a matrix that trained well predicts, so an XGBoost
        // failure here is a broken invariant (or out of memory), reported with its message.
        do { return try booster.predict(DMatrix(x, labels: nil), rounds: keptRounds, rows: x.rows) } catch {
            preconditionFailure("\(error)")
        }
    }

    public var summary: String {
        guard booster != nil else { return "gradient-boosted trees: not fitted" }
        var parts = ["\(roundsTrained) rounds trained" + (roundsTrained < options.rounds ? " (stopped early)" : "")]
        if let bestScore { parts.append("best round \(keptRounds) by validation aucpr (\(bestScore)); scores use rounds 1–\(keptRounds)") }
        if let stoppingNote { parts.append(stoppingNote) }
        parts.append("\(featuresUsed.count) of \(columns.count) features used")
        return "gradient-boosted trees: " + parts.joined(separator: "; ")
    }

    // MARK: - The C API, with every return code checked

    static func error(_ message: String) -> ClassicalModelError { ClassicalModelError(model: name, message: message) }

    /// XGBoost returns nonzero on failure and keeps the message for XGBGetLastError.
    static func check(_ code: Int32, _ what: String) throws(ClassicalModelError) {
        guard code != 0 else { return }
        let message = XGBGetLastError().map { String(cString: $0) } ?? "no message"
        throw error("XGBoost failed \(what): \(readable(message))")
    }

    /// XGBoost's message without the C++ stack trace and clock time it appends and prefixes.
    static func readable(_ message: String) -> String {
        var text = Substring(message)
        if let trace = text.range(of: "Stack trace:") { text = text[..<trace.lowerBound] }
        if text.first == "[", let close = text.firstIndex(of: "]"), text.distance(from: text.startIndex, to: close) == 9 {
            text = text[text.index(after: close)...]
        }
        return text.split(whereSeparator: \.isNewline)
            .map { String($0.drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed()) }.filter { !$0.isEmpty }.joined(separator: " ")
    }
}

/// An XGBoost DMatrix, which copies the values on creation; freed with this object.
private final class DMatrix {
    let handle: DMatrixHandle

    init(_ x: FeatureMatrix, labels: [Float]?) throws(ClassicalModelError) {
        var out: DMatrixHandle?
        let code = x.values.withUnsafeBufferPointer { XGDMatrixCreateFromMat($0.baseAddress, bst_ulong(x.rows), bst_ulong(x.columns), .nan, &out) }
        try GradientBoostedTrees.check(code, "creating a \(x.rows)×\(x.columns) matrix")
        guard let out else { throw GradientBoostedTrees.error("XGBoost returned no matrix") }
        handle = out
        // From here a throw frees the handle through deinit.
        if let labels {
            try GradientBoostedTrees.check(labels.withUnsafeBufferPointer { XGDMatrixSetFloatInfo(handle, "label", $0.baseAddress, bst_ulong($0.count)) },
                                           "setting labels")
        }
        // "c" marks a categorical column ("q" numeric); the C API needs no enable_categorical
        // (Python's flag only gates pandas/arrow input), the feature types are what XGBoost reads.
        guard x.cardinalities.contains(where: { $0 != nil }) else { return }
        let letters: [CChar] = x.cardinalities.flatMap { [CChar(UInt8(ascii: $0 == nil ? "q" : "c")), 0] }
        let code2 = letters.withUnsafeBufferPointer { b in
            var pointers: [UnsafePointer<CChar>?] = (0..<x.columns).map { b.baseAddress! + 2 * $0 }
            return pointers.withUnsafeMutableBufferPointer { XGDMatrixSetStrFeatureInfo(handle, "feature_type", $0.baseAddress, bst_ulong(x.columns)) }
        }
        try GradientBoostedTrees.check(code2, "marking categorical columns")
    }

    deinit { XGDMatrixFree(handle) }
}

/// An XGBoost booster; it holds its cached matrices itself, so they may go before it does.
private final class Booster {
    let handle: BoosterHandle

    init(cache: [DMatrix]) throws(ClassicalModelError) {
        var out: BoosterHandle?
        var handles: [DMatrixHandle?] = cache.map(\.handle)
        try GradientBoostedTrees.check(XGBoosterCreate(&handles, bst_ulong(handles.count), &out), "creating a booster")
        guard let out else { throw GradientBoostedTrees.error("XGBoost returned no booster") }
        handle = out
    }

    private init(handle: BoosterHandle) { self.handle = handle }

    deinit { XGBoosterFree(handle) }

    func set(_ key: String, _ value: String) throws(ClassicalModelError) {
        try GradientBoostedTrees.check(XGBoosterSetParam(handle, key, value), "setting \(key)=\(value)")
    }

    /// The validation metric after `round`, parsed from XGBoost's "[3]\tvalid-aucpr:0.912" line
    /// as Python's callback parses it (the printed digits, not the full double).
    func evaluate(round: Int, on valid: DMatrix) throws(ClassicalModelError) -> Double {
        var handles: [DMatrixHandle?] = [valid.handle]
        var out: UnsafePointer<CChar>?
        let code = "valid".withCString { name in
            var names: [UnsafePointer<CChar>?] = [name]
            return XGBoosterEvalOneIter(handle, Int32(round), &handles, &names, 1, &out)
        }
        try GradientBoostedTrees.check(code, "evaluating round \(round + 1)")
        let line = out.map { String(cString: $0) } ?? ""
        guard let field = line.split(whereSeparator: \.isWhitespace).last, let colon = field.lastIndex(of: ":"),
              let value = Double(field[field.index(after: colon)...]) else {
            throw GradientBoostedTrees.error("XGBoost's evaluation line \"\(line)\" has no metric value")
        }
        return value
    }

    /// Probabilities from the first `rounds` trees: iteration_range (0, rounds), as Python's
    /// predict(iteration_range=(0, best_iteration + 1)). XGBoost owns the buffer; it is copied.
    func predict(_ x: DMatrix, rounds: Int, rows: Int) throws(ClassicalModelError) -> [Float] {
        let config = #"{"type": 0, "training": false, "iteration_begin": 0, "iteration_end": \#(rounds), "strict_shape": false}"#
        var shape: UnsafePointer<bst_ulong>?, dimensions: bst_ulong = 0, result: UnsafePointer<Float>?
        try GradientBoostedTrees.check(XGBoosterPredictFromDMatrix(handle, x.handle, config, &shape, &dimensions, &result), "predicting")
        guard let result, let shape, dimensions == 1, shape[0] == bst_ulong(rows) else {
            throw GradientBoostedTrees.error("XGBoost predicted an unexpected shape for \(rows) rows")
        }
        return Array(UnsafeBufferPointer(start: result, count: rows))
    }

    /// Column indices the first `rounds` trees split on, ascending (split counts from
    /// XGBoosterFeatureScore on a slice of those rounds, columns named by their index).
    func featuresUsed(rounds: Int) throws(ClassicalModelError) -> [Int] {
        var sliced: BoosterHandle?
        try GradientBoostedTrees.check(XGBoosterSlice(handle, 0, Int32(rounds), 1, &sliced), "slicing the kept rounds")
        guard let sliced else { throw GradientBoostedTrees.error("XGBoost returned no sliced booster") }
        let slice = Booster(handle: sliced)
        var count: bst_ulong = 0, names: UnsafeMutablePointer<UnsafePointer<CChar>?>?
        var dimensions: bst_ulong = 0, shape: UnsafePointer<bst_ulong>?, scores: UnsafePointer<Float>?
        try GradientBoostedTrees.check(XGBoosterFeatureScore(slice.handle, #"{"importance_type": "weight"}"#, &count, &names, &dimensions, &shape, &scores),
                                       "counting splits per feature")
        // Without feature names XGBoost names column j "f<j>".
        return (0..<Int(count)).compactMap { k in names?[k].flatMap { Int(String(cString: $0).dropFirst()) } }.sorted()
    }
}
