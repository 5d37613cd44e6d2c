import Tensor
import NN

/// An undercomplete autoencoder on standardised tabular rows (`FeaturePreprocessing`'s design
/// matrix): width → hidden → bottleneck → hidden → width, tanh between, trained on the mean
/// squared reconstruction error. A row's surprise is its own mean squared error: rows whose
/// columns do not go together as the training rows' do reconstruct badly.
public final class TabularAutoencoder: Module {
    public let encode1: Linear, encode2: Linear, decode1: Linear, decode2: Linear

    public init(width: Int, hidden: Int, bottleneck: Int, seed: UInt64) {
        var g = RandomGenerator(seed: seed)
        encode1 = Linear(inputSize: width, outputSize: hidden, generator: &g)
        encode2 = Linear(inputSize: hidden, outputSize: bottleneck, generator: &g)
        decode1 = Linear(inputSize: bottleneck, outputSize: hidden, generator: &g)
        decode2 = Linear(inputSize: hidden, outputSize: width, generator: &g)
    }

    /// The sizes used for a `width`-column table: hidden min(64, width), bottleneck a quarter of
    /// the width between 2 and 16 — narrow enough that the rows must be compressed.
    public convenience init(width: Int, seed: UInt64) {
        self.init(width: width, hidden: min(64, max(width, 2)), bottleneck: max(2, min(16, width / 4)), seed: seed)
    }

    public var children: [(String, any Module)] {
        [("encode1", encode1), ("encode2", encode2), ("decode1", decode1), ("decode2", decode2)]
    }

    public var width: Int { encode1.inputSize }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        decode2(decode1(encode2(encode1(x).tanh()).tanh()).tanh())
    }

    /// Rows `rows` of the row-major `[n × width]` matrix `x` as a tensor, each value clipped to
    /// ±`Self.clip` so one extreme standardised value cannot dominate the squared error.
    static func batch(_ x: [Float], rows: ArraySlice<Int>, width: Int) -> Tensor {
        let t = Tensor(zeros: [rows.count, width])
        for (r, i) in rows.enumerated() {
            for c in 0..<width { t.pointer[r * width + c] = Swift.min(Swift.max(x[i * width + c], -clip), clip) }
        }
        return t
    }
    static let clip: Float = 10

    /// Full AdamW training on rows `rows` of `x` (`epochs` passes in shuffled batches).
    public func fit(_ x: [Float], rows: [Int], epochs: Int = 30, batchSize: Int = 128, learningRate: Float = 3e-3, seed: UInt64) throws {
        let parameters = ParameterBuffer(module: self)
        let optimizer = try AdamW(parameters: parameters, learningRate: learningRate, weightDecay: 1e-4)
        var g = RandomGenerator(seed: seed ^ 0xA0E0_C0DE)
        train(true)
        for _ in 0..<epochs {
            var order = rows
            order.shuffle(using: &g)
            for start in stride(from: 0, to: order.count, by: batchSize) {
                let input = Self.batch(x, rows: order[start..<Swift.min(start + batchSize, order.count)], width: width)
                let loss = (self(input) - input).square().mean()
                optimizer.zeroGrad()
                loss.backward()
                optimizer.step()
            }
        }
        train(false)
    }

    /// Each row's mean squared reconstruction error.
    public func reconstructionErrors(_ x: [Float], rows: [Int]) -> [Float] {
        withoutGradients {
            var out: [Float] = []
            out.reserveCapacity(rows.count)
            for start in stride(from: 0, to: rows.count, by: 512) {
                let input = Self.batch(x, rows: rows[start..<Swift.min(start + 512, rows.count)], width: width)
                let error = (self(input) - input).square().mean(axis: 1)
                out += (0..<error.count).map { error.pointer[$0] }
            }
            return out
        }
    }
}
