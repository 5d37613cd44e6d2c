import Datasets
import Lab

/// The ids the loaded dataset has, for the unknown-id policy: a user is known when users.csv
/// has a row for it or events.csv an event of it; an item when items.csv has a row for it (or,
/// without items.csv, an event); a session when events.csv has an event of it.
struct KnownIDs: Sendable {
    let users: [TokenInterner]
    let items: [TokenInterner]
    let sessions: TokenInterner?

    init(_ data: PreparationContext) {
        let raw = data.raw
        users = [raw.users?.column("user_id")?.tokens, raw.events.column("user_id")?.tokens].compactMap { $0 }
        items = [raw.items?.column("item_id")?.tokens ?? raw.events.column("item_id")?.tokens].compactMap { $0 }
        sessions = raw.sequenceKey == "session_id" ? raw.events.column("session_id")?.tokens : nil
    }

    func hasUser(_ id: String) -> Bool { users.contains { $0.lookup(id) != nil } }
    func hasItem(_ id: String) -> Bool { items.contains { $0.lookup(id) != nil } }
    func hasSession(_ id: String) -> Bool { sessions?.lookup(id) != nil }

    /// Under `.reject`, the first sample of `request` with an id the dataset lacks.
    func check(_ request: ScoreRequest, policy: UnknownIDPolicy) throws(ServeError) {
        guard policy == .reject else { return }
        for s in request.samples {
            if !hasUser(s.userID) { throw .unknownID(field: "user_id", id: s.userID, path: s.path + ".user_id", policy: policy) }
            if !hasItem(s.itemID) { throw .unknownID(field: "item_id", id: s.itemID, path: s.path + ".item_id", policy: policy) }
            if let session = s.sessionID, !hasSession(session) {
                throw .unknownID(field: "session_id", id: session, path: s.path + ".session_id", policy: policy)
            }
        }
    }
}

/// What a sample whose `user_id`, `item_id` (or `session_id`) the loaded dataset lacks gets.
public enum UnknownIDPolicy: String, Sendable, CaseIterable {
    /// 404 naming the id and its JSON path; nothing of the request is scored.
    case reject
    /// Scored with what is missing masked (a user with no history and no profile: sequence and
    /// profile masked; an item with no row: attributes and image masked), as `fusionlab score`
    /// does; the answer's `missing_modalities` says which.
    case mask
}
