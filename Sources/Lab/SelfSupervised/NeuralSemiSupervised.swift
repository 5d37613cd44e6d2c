import Foundation
import NN
import Datasets
import Models
import Support

extension ExperimentRunner {
    /// What a neural `semi_supervised` run carries from label-free pre-training into fine-tuning:
    /// the labels it may read, the pre-trained columns its evidence reads, and the alignment
    /// model whose encoders start the fusion model's (`training.pretrained_encoders`).
    struct NeuralPretraining {
        var labelled: LabelledSamples
        var inputs: PretrainedInputs
        var alignment: CrossModalAlignment?
    }

    /// Pre-trains on every training sample of the label-free copy of `dataset`: the same
    /// components as the classical path (`pretrainSelfSupervised`), and the alignment model when
    /// the encoders are to start from it; then draws the labelled fractions.
    func pretrainForNeuralModel(modelOptions: ModelOptions, schema: DatasetSchema, modelConfig: JSONValue, dataset: PreparedDataset, images: (any ImageProvider)?,
                                seed: Int, fold: Int?, reporter: ProgressReporter) throws -> NeuralPretraining {
        // The classical path's modalities, so a study shares one pre-training between both.
        let modalities = modelOptions.modalities.filter { schema.available.contains($0) }
        let unlabelled = dataset.withoutLabels()
        let table = try featureTable(of: unlabelled)
        let scores = try pretrainSelfSupervised(modelOptions: modelOptions, modelConfig: modelConfig, modalities: modalities, schema: schema,
                                                dataset: unlabelled, table: table, seed: seed, fold: fold, reporter: reporter)
        let inputs = PretrainedInputs(scores, modalities: modalities, sampleCount: dataset.sampleCount)
        let training = dataset.indices(.train)
        reporter.log("semi-supervised: \(inputs.names.count) self-supervised columns pre-trained on all \(training.count) training samples join the evidence's inputs")
        var alignment: CrossModalAlignment?
        if options.training.pretrainedEncoders {
            guard modalities.contains(.image) && modalities.contains(.attributes) else {
                throw ConfigError(path: "training.pretrained_encoders", message: "is true, but the image–attributes alignment needs both modalities and "
                                  + "this run has \(modalities.map(\.rawValue).joined(separator: ", ")): set it to false")
            }
            let builder = BatchBuilder(dataset: unlabelled, images: images)
            let model = try CrossModalAlignment(.image, .attributes, model: modelOptions, schema: schema, seed: UInt64(seed) &* 131 &+ 0xE1C0)
            let pairs = try model.paired(training, builder: builder)
            try model.fit(pairs, builder: builder, epochs: Self.alignmentEpochs, batchSize: 128, learningRate: 1e-3, seed: UInt64(seed) &+ 0xE1C0)
            reporter.log("semi-supervised: image–attributes alignment (InfoNCE, \(Self.alignmentEpochs) epochs) fitted on \(pairs.count) training pairs for the encoders")
            alignment = model
        }
        let labelled = LabelledSamples(options.training, of: dataset, seed: seed)
        reporter.log(labelled.logLine(reader: "the model", training: options.training, of: dataset))
        return NeuralPretraining(labelled: labelled, inputs: inputs, alignment: alignment)
    }

    /// The fusion model for fine-tuning: built with the pre-trained columns among its evidence's
    /// inputs, and its image and attributes encoders copied from the alignment model when there is one.
    func fineTuningModel(_ pretraining: NeuralPretraining, modelOptions: ModelOptions, schema: DatasetSchema, seed: Int,
                         reporter: ProgressReporter) throws -> MultimodalModel {
        let model = try MultimodalModel.build(options: modelOptions, schema: schema, seed: UInt64(seed), pretrained: pretraining.inputs.modalities).model
        if let alignment = pretraining.alignment {
            let parts = [Modality.image, .attributes].filter(model.modalities.contains).map { "encoders.\($0.rawValue)" }
            let copied = try model.copyParameters(from: alignment, under: parts, sourceName: "the pre-trained image–attributes alignment model")
            reporter.log("semi-supervised: \(parts.joined(separator: " and ")) start from the alignment model's weights (\(copied.count) tensors)")
        }
        return model
    }

    /// Starts a semi-supervised model's evidence. A linear, added evidence starts as the
    /// pre-trained combined score (its last column) — a prior the labelled samples move from:
    /// fitted on 176 labelled samples (5% of the small shop) the columns' weights overfit, and a
    /// warm start from the prior undoes it (seed 0 test ROC-AUC 0.857 from the prior, 0.751 warm-
    /// started from it, 0.748 warm-started from scratch). Any other evidence is warm-started on the
    /// labelled training samples alone.
    func startSemiSupervisedEvidence(model: MultimodalModel, inputs: SurpriseTable, labelled: LabelledSamples, dataset: PreparedDataset,
                                     seed: Int, reporter: ProgressReporter) throws {
        guard let evidence = model.consistencyEvidence else { return }
        if evidence.isLinearAndAdded {
            evidence.start(fromColumn: evidence.width - 1)
            freezeEvidenceIfAsked(model)
            reporter.log("semi-supervised: the evidence starts as the pre-trained score (linear and added: no warm start)")
        } else {
            try warmStartEvidence(model: model, inputs: inputs, samples: labelled.train, dataset: dataset, seed: seed, reporter: reporter)
        }
    }
}
