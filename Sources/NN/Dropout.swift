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

    public func reseed(_ seed: UInt64) { generator = RandomGenerator(seed: seed) }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        guard isTraining, probability > 0 else { return x }
        return x.dropout(probability: probability, generator: &generator)
    }
}
