import Foundation

/// A run's fitted vocabularies laid over one dataset's interners, each made on first use and
/// kept by the `PreparationContext` for every batch prepared from it: scoring prepares a batch
/// per request, and laying a vocabulary over an interner costs a string lookup per distinct
/// token of the dataset (thousands of items), far more than encoding one sample.
final class FittedVocabularies: @unchecked Sendable {
    private let lock = NSLock()
    private var made: [String: Vocabulary] = [:]
    /// For an overlay's few tokens: the fit's token → index maps, shared by every overlay of
    /// one context, so that a vocabulary costs a lookup per token there, not a pass over the fit's.
    private let shared: FittedTokenIndexes?

    init(shared: FittedTokenIndexes? = nil) { self.shared = shared }

    /// The vocabulary `tokens` over `interner`; `key` names the column within the context
    /// (`sequence/item_id`, `users.csv/gender`): the context's tables never change, so one key is one interner.
    func vocabulary(_ key: String, tokens: [String], interner: TokenInterner) -> Vocabulary {
        if let known = lock.withLock({ made[key] }) { return known }
        let vocabulary = shared.map { Vocabulary(tokens: tokens, interner: interner, indexOfToken: $0.index(key, tokens: tokens)) }
            ?? Vocabulary(tokens: tokens, interner: interner)
        lock.withLock { made[key] = vocabulary }
        return vocabulary
    }
}

/// Per fitted vocabulary (by its `FittedVocabularies` key, which names one fitted token list
/// for every context of one fit), its token → index map, made on first use.
final class FittedTokenIndexes: @unchecked Sendable {
    private let lock = NSLock()
    private var made: [String: [String: Int32]] = [:]

    func index(_ key: String, tokens: [String]) -> [String: Int32] {
        if let known = lock.withLock({ made[key] }) { return known }
        let index = Vocabulary.indexOfToken(tokens)
        lock.withLock { made[key] = index }
        return index
    }
}

extension Optional where Wrapped == FittedVocabularies {
    /// The cached vocabulary, or one made now without a cache.
    func vocabulary(_ key: String, tokens: [String], interner: TokenInterner) -> Vocabulary {
        self?.vocabulary(key, tokens: tokens, interner: interner) ?? Vocabulary(tokens: tokens, interner: interner)
    }
}
