import Foundation
import Datasets
import Models
import Support

/// What a neural run folder keeps beside `model.safetensors` so that it scores new samples the
/// way it scored its own (`preprocessing.json`, with `consistency.safetensors` when the run had
/// consistency heads): the preparation fitted on the training split, the model's input schema,
/// the threshold chosen on validation and the consistency heads' training statistics. The
/// resolved config is `config.json`. Written into the staging folder with the other files, so a
/// published run folder has all of them or is not published.
public struct RunArtefacts: Codable, Sendable {
    public static let file = "preprocessing.json"
    public static let consistencyWeights = "consistency.safetensors"
    /// The version of this file's layout; a run folder with another one is refused by name.
    public static let currentFormat = 1

    public var format: Int
    /// The decision threshold chosen on validation (`metrics.json`'s `valid.threshold`).
    public var threshold: Double
    /// Whether the saved model reads the consistency surprises (false when evidence selection
    /// kept the model trained without them, or the config never fed them).
    public var surpriseInput: Bool
    public var schema: DatasetSchema
    public var data: FittedPreprocessing
    public var consistency: Consistency?
    /// The run's fold (cross-validation), to re-make its split of a dataset.
    public var fold: Int?

    public struct Consistency: Codable, Sendable {
        /// Surprise columns, in `predictions.csv`'s order.
        public var columns: [String]
        /// Per column, the sorted training surprises (the classifier's scaling).
        public var trainingSurprises: [[Float]]
        /// Per column, the sorted surprises of normal training samples (explanation cut-offs).
        public var normalTrainingSurprises: [[Float]]
        /// Columns below the evidence's gain floor: absent from what the classifier reads.
        public var droppedFromEvidence: [Int]
        /// Whether the classifier was given the scaled surprises.
        public var fedToModel: Bool
    }
}

/// Why a run folder cannot score.
public enum RunArtefactError: Error, CustomStringConvertible {
    case notARunFolder(folder: String)
    case incomplete(folder: String, missing: String, hint: String)
    case unsupportedFormat(folder: String, found: Int)
    case unsupportedModel(folder: String, type: String)
    case unreadable(path: String, reason: String)

    public var description: String {
        switch self {
        case let .notARunFolder(folder):
            "\(folder) is not a published run folder (it has no \(RunFolder.marker)); give a folder such as Results/<study>/runs/<variant>/seed-0"
        case let .incomplete(folder, missing, hint):
            "\(folder) cannot score: it has no \(missing). \(hint)"
        case let .unsupportedFormat(folder, found):
            "\(folder)/\(RunArtefacts.file) has format \(found); this FusionLab reads format \(RunArtefacts.currentFormat). "
                + (found > RunArtefacts.currentFormat ? "It was written by a newer FusionLab." : "Re-run the run to write it anew.")
        case let .unsupportedModel(folder, type):
            "\(folder): scoring is not supported yet for model.type \(type): a classical run saves neither its fitted model nor its "
                + "feature coding, so it cannot score samples anew (its test split's scores are in its predictions.csv); "
                + "only neural runs save what scoring needs (\(RunArtefacts.file), model.safetensors)"
        case let .unreadable(path, reason): "\(path): \(reason)"
        }
    }
}

extension RunArtefacts {
    /// What a trained and evaluated neural run saves.
    init(dataset: PreparedDataset, schema: DatasetSchema, threshold: Double, model: MultimodalModel, fold: Int?,
         cutoffs: ExplanationCutoffs?, droppedFromEvidence: Set<Int>, fedToModel: Bool) {
        format = Self.currentFormat
        self.threshold = threshold
        surpriseInput = model.consistencyEvidence != nil
        self.schema = schema
        data = dataset.fitted!
        self.fold = fold
        consistency = cutoffs.map {
            Consistency(columns: $0.fit.raw.heads, trainingSurprises: $0.fit.trainingSurprises, normalTrainingSurprises: $0.normalTraining,
                        droppedFromEvidence: droppedFromEvidence.sorted(), fedToModel: fedToModel)
        }
    }

    static let tooOld = "The run was made before run folders saved what scoring needs (or with output.save_checkpoints false): run it again with this FusionLab."

    func write(to files: RunFiles) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try DurableFile.write(String(decoding: try encoder.encode(self), as: UTF8.self) + "\n", to: files.path(Self.file))
    }

    /// Reads the artefacts of the published run folder `folder`, refusing one that is too old,
    /// of another format or incomplete, by the missing file's name.
    static func read(folder: String) throws -> RunArtefacts {
        func path(_ name: String) -> String { (folder as NSString).appendingPathComponent(name) }
        let fm = FileManager.default
        // The caller (`RunScorer`) has checked the folder is published and read its config.json.
        guard let data = fm.contents(atPath: path(Self.file)) else {
            throw RunArtefactError.incomplete(folder: folder, missing: Self.file, hint: Self.tooOld)
        }
        struct Version: Decodable { var format: Int }
        let version: Version
        do { version = try JSONDecoder().decode(Version.self, from: data) } catch {
            throw RunArtefactError.unreadable(path: path(Self.file), reason: "not a preprocessing file FusionLab wrote (\(error))")
        }
        guard version.format == currentFormat else { throw RunArtefactError.unsupportedFormat(folder: folder, found: version.format) }
        let artefacts: RunArtefacts
        do { artefacts = try JSONDecoder().decode(RunArtefacts.self, from: data) } catch {
            throw RunArtefactError.unreadable(path: path(Self.file), reason: "not a preprocessing file FusionLab wrote (\(error))")
        }
        guard fm.fileExists(atPath: path("model.safetensors")) else {
            throw RunArtefactError.incomplete(folder: folder, missing: "model.safetensors", hint: Self.tooOld)
        }
        if artefacts.consistency != nil, !fm.fileExists(atPath: path(consistencyWeights)) {
            throw RunArtefactError.incomplete(folder: folder, missing: consistencyWeights,
                                              hint: "The run had consistency heads; their fitted weights are needed to judge new samples.")
        }
        return artefacts
    }
}
