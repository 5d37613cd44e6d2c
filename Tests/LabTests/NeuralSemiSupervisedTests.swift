import Foundation
import Testing
import Datasets
import Support
import Models
import NN
import Tensor
@testable import Lab

/// `training.objective = semi_supervised` with `model.type = neural`: pre-trained without labels,
/// fine-tuned on the labelled fractions alone.
@Suite(.serialized) struct NeuralSemiSupervisedTests {
    static let semi = ["training.objective=semi_supervised", "training.label_fraction=0.2", SelfSupervisedRunTests.heads,
                       "model.consistency.folds=2", "model.consistency.epochs=2", "data.split.strategy=time"]

    func run(_ overrides: [String], data: String? = nil, seed: Int = 1) throws -> RunResult {
        let out = scratchDirectory()
        let runner = ExperimentRunner(config: try tinyConfig(out, overrides + (data.map { ["data.path=\($0)"] } ?? [])), reporter: { _ in })
        runner.interactive = false
        return try runner.run(seed: seed, fold: nil, resume: false)
    }

    func dataset(_ overrides: [String], data: String? = nil) throws -> PreparedDataset {
        let runner = ExperimentRunner(config: try tinyConfig(scratchDirectory(), overrides + (data.map { ["data.path=\($0)"] } ?? [])), reporter: { _ in })
        return try runner.dataset(fold: nil)
    }

    /// predictions.csv's sample id, split and score columns.
    func scores(_ result: RunResult) -> [String] {
        read(result.directory + "/predictions.csv").split(separator: "\n").map { line in
            let cells = line.split(separator: ",", omittingEmptySubsequences: false)
            return "\(cells[0]),\(cells[1]),\(cells[4])"
        }
    }

    /// Swapping the labels (and types) of neighbouring samples of a split that are both outside
    /// the drawn fraction and differ keeps every class's and every type's members at the same
    /// ranks, so the stratified draw (by class and anomaly type, the default) is the same: the
    /// labels changed are exactly ones the run must not read.
    /// Every score — test, validation and training — is byte-identical.
    @Test func labelsOutsideTheLabelledFractionAreNotRead() throws {
        let original = try dataset(Self.semi)
        let drawn = LabelledSamples(fraction: 0.2, strata: .anomalyType, of: original, seed: 1)
        var swaps: [(String, String)] = []
        for (split, kept) in [(SplitRole.train, Set(drawn.train)), (.valid, Set(drawn.valid))] {
            let rows = original.indices(split)
            var k = 0
            while k + 1 < rows.count {
                let (a, b) = (rows[k], rows[k + 1])
                if !kept.contains(a) && !kept.contains(b) && original.labels[a] != original.labels[b] {
                    swaps.append((original.sampleIDs[a], original.sampleIDs[b]))
                    k += 2
                } else {
                    k += 1
                }
            }
        }
        #expect(swaps.count >= 10, "\(swaps.count)")
        let folder = scratchDirectory() + "/shop"
        try FileManager.default.copyItem(atPath: tinyShop, toPath: folder)
        var lines = read(folder + "/labels.csv").split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let labelColumns = lines[0].indices.filter { lines[0][$0].hasPrefix("label") || lines[0][$0].hasPrefix("anomaly_type") }
        #expect(labelColumns.count == 2)
        let row = Dictionary(uniqueKeysWithValues: lines.indices.dropFirst().map { (lines[$0][0], $0) })
        for (a, b) in swaps {
            for c in labelColumns { (lines[row[a]!][c], lines[row[b]!][c]) = (lines[row[b]!][c], lines[row[a]!][c]) }
        }
        try lines.map { $0.joined(separator: ",") }.joined(separator: "\n").appending("\n").write(toFile: folder + "/labels.csv", atomically: true, encoding: .utf8)
        let edited = try dataset(Self.semi, data: folder)
        #expect(edited.labels != original.labels && edited.roles == original.roles)
        #expect(LabelledSamples(fraction: 0.2, strata: .anomalyType, of: edited, seed: 1) == drawn)

        let a = try run(Self.semi), b = try run(Self.semi, data: folder)
        let log = read(a.directory + "/log.txt")
        #expect(log.contains("semi-supervised: the model reads the labels of \(drawn.train.count) of \(original.indices(.train).count) training samples"), "\(log)")
        #expect(log.contains("columns pre-trained on all \(original.indices(.train).count) training samples join the evidence's inputs"))
        #expect(scores(a).count == original.sampleCount + 1)
        #expect(scores(a) == scores(b))
        // The threshold too: it reads the labelled validation fraction alone.
        let threshold = { (r: RunResult) in try JSONParser.parse(read(r.directory + "/metrics.json"))["threshold"] }
        #expect(try threshold(a) == threshold(b))
    }

    /// The whole path learns on the tiny shop: pre-training, fine-tuning on a quarter of the labels
    /// and the threshold from a quarter of validation's, with the encoders started from the
    /// alignment model. The default evidence (an MLP) is warm-started on the labelled samples'
    /// pre-trained columns: fed no columns or the wrong labels it ranks near chance. A linear,
    /// added evidence starts from the pre-trained score, and training moves it. The tiny shop's
    /// test split is small: over seeds 1–6 both rank its anomalies 0.68–0.86, so the bar is 0.65.
    @Test(arguments: [false, true]) func aNeuralSemiSupervisedRunLearns(linearEvidence: Bool) throws {
        let evidence = linearEvidence ? ["model.consistency.evidence_hidden=[]", "model.consistency.evidence_combine=add"] : []
        let result = try run(Self.semi.filter { !$0.hasPrefix("data.split") } + evidence
                             + ["training.label_fraction=0.25", "training.pretrained_encoders=true",
                                "training.epochs=8", "training.batch_size=16", "training.optimizer.lr=0.003"])
        let log = read(result.directory + "/log.txt")
        #expect(log.contains("encoders.image and encoders.attributes start from the alignment model's weights"), "\(log)")
        #expect(log.contains("semi-supervised: the evidence starts as the pre-trained score") == linearEvidence)
        #expect(log.contains("consistency: evidence warm-started on the training surprises") != linearEvidence)
        let auc = try #require(result.test.rocAUC)
        #expect(auc > 0.65, "\(auc)")
        let metrics = try JSONParser.parse(read(result.directory + "/metrics.json"))
        #expect(metrics["model_type"] == .string("neural"))
    }

    /// The fusion model's encoders and the alignment model's are built alike: copying by name
    /// moves every encoder weight, and the rest of the model is untouched.
    @Test func theAlignmentEncodersFitTheFusionModel() throws {
        let config = try tinyConfig(scratchDirectory())
        let data = try dataset([])
        let schema = data.schema(imageSize: 16)
        let options = ModelOptions(section: config["model"]!)
        let alignment = try CrossModalAlignment(.image, .attributes, model: options, schema: schema, seed: 5)
        let model = try MultimodalModel.build(options: options, schema: schema, seed: 1).model
        let fusion = model.fusion.namedParameters().map(\.tensor.scalars)
        let copied = try model.copyParameters(from: alignment, under: ["encoders.image", "encoders.attributes"], sourceName: "alignment")
        let byName = Dictionary(uniqueKeysWithValues: model.namedParameters().map { ($0.name, $0.tensor.scalars) })
        let source = alignment.namedParameters().filter { $0.name.hasPrefix("encoders.") }
        #expect(copied.count == source.count && !copied.isEmpty)
        for (name, tensor) in source { #expect(byName[name] == tensor.scalars, "\(name)") }
        #expect(model.fusion.namedParameters().map(\.tensor.scalars) == fusion)
        // A model of another width cannot take them.
        let wider = try MultimodalModel.build(options: ModelOptions(section: config["model"]!.setting(["dimension"], to: 24)), schema: schema, seed: 1).model
        #expect(throws: CheckpointError.self) {
            try wider.copyParameters(from: alignment, under: ["encoders.image", "encoders.attributes"], sourceName: "alignment")
        }
    }

    /// The pre-trained columns follow the heads' surprises in the evidence's input, absent where
    /// a component could not judge the sample; the combined score is always present.
    @Test func pretrainedInputsFollowTheHeadsSurprises() {
        let columns: [(component: String, name: String, raw: [Float?], twoSided: Bool)] = [
            ("next_event", "next_event.mean", [0, 1, nil], false), ("alignment", "alignment", [2, nil, 1], false),
        ]
        let scores = SelfSupervisedScores(columns: columns, training: [0, 1, 2])
        let inputs = PretrainedInputs(scores, modalities: [.sequence, .image, .attributes], sampleCount: 3)
        #expect(inputs.names == ["next_event.mean", "alignment", "score"])
        #expect(inputs.modalities == [[.sequence], [.image, .attributes], [.sequence, .image, .attributes]])
        let heads = SurpriseTable(heads: ["h"], values: [5, 6, 7], present: [1, 0, 1])
        let table = inputs.appended(to: heads)
        #expect(table.heads == ["h", "ssl_next_event.mean", "ssl_alignment", "ssl_score"])
        #expect(table.present == [1, 1, 1, 1, 0, 1, 0, 1, 1, 0, 1, 1])
        #expect(table.values[0] == 5 && table.values[4] == 6 && table.values[8] == 7)
        #expect(table.values[2] == Float(scores.standardized(sample: 0, column: 1)) && table.values[3] == Float(scores.score(sample: 0)))
        #expect(inputs.appended(to: nil).heads.count == 3)
        // The classical path's features: the same values under `surprise_ssl_`.
        #expect(inputs.featureColumns.map(\.name) == ["surprise_ssl_next_event.mean", "surprise_ssl_alignment", "surprise_ssl_score"])
    }

    /// A linear, added evidence started from a column gives that column's value as its logit.
    @Test func aLinearEvidenceStartsAsOneOfItsColumns() {
        var g = RandomGenerator(seed: 3)
        let evidence = ConsistencyEvidence(heads: [], pretrained: [[.sequence], [.image, .attributes]], hidden: [], dropout: 0, combination: .add, generator: &g)
        #expect(evidence.isLinearAndAdded && evidence.width == 2)
        evidence.start(fromColumn: 1)
        let surprises = Tensor([0.5, 2, 3, 0.25], shape: [2, 2]), present = Tensor([1, 1, 1, 0], shape: [2, 2])
        // Sample 1's second column is absent: it reads as 0.
        #expect(evidence.logit(surprises: surprises, present: present, mask: nil).scalars == [2, 0])
        var h = RandomGenerator(seed: 3)
        #expect(!ConsistencyEvidence(heads: [], pretrained: [[.sequence]], hidden: [4], dropout: 0, combination: .add, generator: &h).isLinearAndAdded)
    }

    @Test func pretrainedEncodersOutsideANeuralSemiSupervisedRunIsAConfigError() throws {
        for overrides in [["training.pretrained_encoders=true"], ["model.type=gbdt", "training.objective=semi_supervised", "training.pretrained_encoders=true"]] {
            let error = try #require(throws: ConfigError.self) { try run(overrides) }
            #expect(error.path == "training.pretrained_encoders", "\(error)")
        }
        let bad = try #require(throws: ConfigError.self) { try tinyConfig(scratchDirectory(), ["training.pretrained_encoders=maybe"]) }
        #expect(bad.path == "training.pretrained_encoders", "\(bad)")
    }
}
