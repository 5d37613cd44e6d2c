import Foundation
import Tensor
import NN
import Support

/// What a run needs to continue after an interruption: weights, optimizer moments, the best
/// weights so far and the early-stopping bookkeeping — saved at the end of each epoch in one
/// safetensors file (atomically, so a kill mid-write leaves the previous state).
struct ResumeState {
    var completedEpochs = 0
    var bestScore = -Double.infinity
    var bestEpoch = 0
    var badEpochs = 0
    var history: [EpochRecord] = []
    var bestValues: Storage

    init(bestValues: Storage) { self.bestValues = bestValues }

    func save(_ path: String, parameters: ParameterBuffer, optimizer: any Optimizer, configFingerprint: String? = nil) throws {
        var tensors: [(String, Tensor)] = parameters.entries.map { ("model." + $0.name, $0.tensor) }
        tensors += optimizer.stateTensors().map { ("optimizer." + $0.0, $0.1) }
        tensors.append(("best_values", Tensor(shape: [bestValues.count], storage: bestValues)))
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let historyJSON = String(decoding: try encoder.encode(history), as: UTF8.self)
        try Safetensors.write(tensors, metadata: [
            "completed_epochs": "\(completedEpochs)", "best_score": "\(bestScore)", "best_epoch": "\(bestEpoch)",
            "bad_epochs": "\(badEpochs)", "history": historyJSON, "config_fingerprint": configFingerprint ?? "",
        ], to: path)
    }

    static func load(_ path: String, parameters: ParameterBuffer, optimizer: any Optimizer, configFingerprint: String? = nil) throws -> ResumeState {
        let (tensors, metadata) = try Safetensors.read(path)
        func fail(_ reason: String) -> TrainingError { .badResumeState(path: path, reason: reason) }
        if let configFingerprint, metadata["config_fingerprint"] != configFingerprint {
            throw fail("it was saved under another config (fingerprint \(metadata["config_fingerprint"] ?? "none"), this config's is \(configFingerprint))")
        }
        guard let best = tensors["best_values"], best.count == parameters.count else {
            throw fail("it was written for a different model (parameter count differs)")
        }
        for entry in parameters.entries {
            guard let t = tensors["model." + entry.name], t.shape == entry.tensor.shape else {
                throw fail("tensor model.\(entry.name) is missing or has another shape")
            }
            entry.tensor.assign(t)
        }
        var optimizerState: [String: Tensor] = [:]
        for (k, v) in tensors where k.hasPrefix("optimizer.") { optimizerState[String(k.dropFirst("optimizer.".count))] = v }
        try optimizer.loadState(optimizerState)
        var state = ResumeState(bestValues: Storage(count: best.count))
        state.bestValues.pointer.update(from: best.pointer, count: best.count)
        guard let epochs = metadata["completed_epochs"].flatMap(Int.init), let score = metadata["best_score"].flatMap(Double.init),
              let bestEpoch = metadata["best_epoch"].flatMap(Int.init), let bad = metadata["bad_epochs"].flatMap(Int.init),
              let historyText = metadata["history"],
              let history = try? JSONDecoder().decode([EpochRecord].self, from: Data(historyText.utf8)) else {
            throw fail("its metadata is incomplete")
        }
        state.completedEpochs = epochs
        state.bestScore = score
        state.bestEpoch = bestEpoch
        state.badEpochs = bad
        state.history = history
        return state
    }
}
