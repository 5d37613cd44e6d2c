import Tensor

/// Inverted dropout, active only in training mode. Owns its generator so a run's masks
/// follow from its seed.
public final class Dropout: Module {
    public let probability: Float
    public private(set) var isTraining = true
    private var generator: RandomGenerator

    public init(probability: Float, generator: inout RandomGenerator) {
        precondition(probability >= 0 && probability < 1, "dropout probability \(probability) outside [0, 1)")
        self.probability = probability
        self.generator = generator.split()
    }

    public func train(_ training: Bool) { isTraining = training }

    /// Whether a call drops anything: in training, with a nonzero probability.
    public var isActive: Bool { isTraining && probability > 0 }

    public func reseed(_ seed: UInt64) { generator = RandomGenerator(seed: seed) }

    /// Runs `body` with the probability in effect (0 outside training) and this layer's stream,
    /// for an op that applies the dropout inside its own kernel (`fusedHeadAttention`).
    public func withStream<R>(_ body: (_ probability: Float, _ generator: inout RandomGenerator) -> R) -> R {
        body(isActive ? probability : 0, &generator)
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        guard isActive else { return x }
        return x.dropout(probability: probability, generator: &generator)
    }
}
