import Tensor
import NN
import Datasets
import Models
import Support

/// A synthetic binary task for one modality: a schema and a sampler of labelled batches.
/// Each call of `sample` draws fresh rows, so training never sees the held-out rows.
struct LearningTask: Sendable {
    var modality: Modality
    var schema: DatasetSchema
    var sample: @Sendable (_ size: Int, _ generator: inout RandomGenerator) -> Batch

    /// Builds a single-modality model (concat fusion unless overridden), trains it with AdamW
    /// and BCE-with-logits on fresh batches, and returns its accuracy on held-out rows in eval mode.
    func trainedAccuracy(_ overrides: [String] = [], steps: Int, batchSize: Int = 32, learningRate: Float = 3e-3,
                         heldOut: Int = 256, seed: UInt64 = 7) throws -> Double {
        var json: JSONValue = ["dimension": 16]
        for o in ["modalities=[\"\(modality.rawValue)\"]", "fusion.type=concat", "fusion.hidden=[16]"] + overrides {
            json = try ConfigLoader.apply(override: o, to: json)
        }
        let config = try ModelSchema.section.validate(json, path: "model")
        let model = try MultimodalModel.build(config: config, schema: schema, seed: seed).model
        let parameters = ParameterBuffer(module: model)
        let optimizer = try AdamW(parameters: parameters, learningRate: learningRate)
        var generator = RandomGenerator(seed: seed &+ 1)
        model.train(true)
        for _ in 0..<steps {
            let batch = sample(batchSize, &generator)
            optimizer.zeroGrad()
            binaryCrossEntropyWithLogits(model(batch).logit, batch.labels).backward()
            optimizer.step()
        }
        model.eval()
        var testGenerator = RandomGenerator(seed: seed &+ 1000)
        let test = sample(heldOut, &testGenerator)
        return withoutGradients { accuracy(logits: model(test).logit, labels: test.labels) }
    }
}

/// Fraction of rows whose logit is on the side of 0 its label says.
func accuracy(logits: Tensor, labels: Tensor) -> Double {
    let l = logits.scalars, y = labels.scalars
    return Double(zip(l, y).filter { ($0.0 > 0) == ($0.1 > 0.5) }.count) / Double(y.count)
}

/// A batch with every modality's tensors present in shape (empty or zero where the task does
/// not use them) and every modality marked present.
func syntheticBatch(schema: DatasetSchema, labels: [Float], tokens: [String: [Int32]] = [:], lengths: [Int32]? = nil,
                    profile: (floats: [Float], categorical: [Int32])? = nil,
                    attributes: (floats: [Float], categorical: [Int32])? = nil, images: Tensor? = nil) -> Batch {
    let b = labels.count, l = schema.sequenceLength
    let lengths = lengths ?? [Int32](repeating: Int32(l), count: b)
    let padding = Tensor(ones: [b, l])
    for r in 0..<b { for k in 0..<Int(lengths[r]) { padding[r, k] = 0 } }
    func tabular(_ t: DatasetSchema.Tabular?, _ values: (floats: [Float], categorical: [Int32])?) -> (Tensor?, IndexTensor?) {
        guard let t else { return (nil, nil) }
        let (w, c) = (t.floatNames.count, t.categorical.count)
        let v = values ?? ([Float](repeating: 0, count: b * w), [Int32](repeating: 0, count: b * c))
        return (Tensor(v.floats, shape: [b, w]), IndexTensor(v.categorical, shape: [b, c]))
    }
    let (pf, pc) = tabular(schema.profile, profile)
    let (af, ac) = tabular(schema.attributes, attributes)
    return Batch(samples: Array(0..<b), sequenceTokens: tokens.mapValues { IndexTensor($0, shape: [b, l]) },
                 sequenceFloats: Tensor(zeros: [b, l, schema.sequenceFloats.count]), sequencePadding: padding,
                 sequenceLengths: lengths, profileFloats: pf, profileCategorical: pc, attributeFloats: af,
                 attributeCategorical: ac, images: images ?? schema.imageSize.map { Tensor(zeros: [b, 3, $0, $0]) },
                 modalityMask: Tensor(ones: [b, Modality.allCases.count]), labels: Tensor(labels, shape: [b]),
                 anomalyClasses: [Int32](repeating: 0, count: b))
}
