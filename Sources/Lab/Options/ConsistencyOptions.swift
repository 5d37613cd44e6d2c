import Models

/// What a consistency fit depends on, from `model.consistency` (besides the heads, data,
/// encoders and seed): the fitter reads only this, so as the cache's key it cannot leave out
/// an option the fit uses.
public struct ConsistencyFitOptions: Codable, Sendable, Hashable {
    public var folds: Int
    public var epochs: Int
    public var batchSize: Int
    public var lr: Double
    public var weightDecay: Double
    public var hidden: [Int]
    public var dropout: Double
}

/// How the evidence module starts and how surprises reach it, from `model.consistency`.
public struct EvidenceOptions: Codable, Sendable, Hashable {
    public var surpriseScaling: String
    public var evidenceWarmupSteps: Int
    public var evidenceWarmupLr: Double
    public var evidenceWarmupWeightDecay: Double
    public var evidenceTraining: String
    public var minHeldoutGain: Double
    public var minHeldoutTargetRocAuc: Double
    public var evidenceSelection: String

    public var scaling: SurpriseScaling { SurpriseScaling(rawValue: surpriseScaling)! }
    public var frozenAfterWarmStart: Bool { evidenceTraining == "frozen" }
    /// Whether a run also trains the model without the evidence and keeps the better on validation.
    public var selectsOnValidation: Bool { evidenceSelection == "validation" }
}
