import Datasets
import Lab
import Support

/// The ids the loaded dataset has, for the unknown-id policy: a user is known when users.csv
/// has a row for it or events.csv an event of it; an item when items.csv has a row for it (or,
/// without items.csv, an event); a session when events.csv has an event of it. A sample that
/// brings rows of its own (`profile`, `attributes`, `events`) may name ids the dataset lacks:
/// what it neither gives nor the dataset has is masked.
struct KnownIDs: Sendable {
    let users: [TokenInterner]
    let items: [TokenInterner]
    let sessions: TokenInterner?
    /// The ids with a users.csv / items.csv row (nil: no such table), and what the run does with
    /// an event whose user or item has none (`data.missing_entities`).
    let userRows: TokenInterner?
    let itemRows: TokenInterner?
    let missingEntities: MissingEntityPolicy

    init(_ data: PreparationContext) {
        let raw = data.raw
        users = [raw.users?.column("user_id")?.tokens, raw.events.column("user_id")?.tokens].compactMap { $0 }
        items = [raw.items?.column("item_id")?.tokens ?? raw.events.column("item_id")?.tokens].compactMap { $0 }
        sessions = raw.sequenceKey == "session_id" ? raw.events.column("session_id")?.tokens : nil
        userRows = raw.users?.column("user_id")?.tokens
        itemRows = raw.items?.column("item_id")?.tokens
        missingEntities = data.options.missingEntityPolicy
    }

    func hasUser(_ id: String) -> Bool { users.contains { $0.lookup(id) != nil } }
    func hasItem(_ id: String) -> Bool { items.contains { $0.lookup(id) != nil } }
    func hasSession(_ id: String) -> Bool { sessions?.lookup(id) != nil }

    /// Under `.reject`, the first sample of `request` with an id the dataset lacks and no rows
    /// of its own; inline events of a user without a row, stored or given (the run leaves such
    /// events out, or refuses them); under `missing_entities: error`, the first inline event
    /// whose item has no row, stored or given (as the dataset loader refuses such an event).
    /// `profileTaken`: whether a sample may give its profile.
    func check(_ request: ScoreRequest, policy: UnknownIDPolicy, profileTaken: Bool = true) throws(ServeError) {
        for s in request.samples {
            if let rows = s.rows {
                if let events = rows.events, !events.isEmpty { try checkEntities(events, of: s, rows: rows, profileTaken: profileTaken) }
                continue
            }
            guard policy == .reject else { continue }
            if !hasUser(s.userID) { throw .unknownID(field: "user_id", id: s.userID, path: s.path + ".user_id", policy: policy) }
            if !hasItem(s.itemID) { throw .unknownID(field: "item_id", id: s.itemID, path: s.path + ".item_id", policy: policy) }
            if let session = s.sessionID, !hasSession(session) {
                throw .unknownID(field: "session_id", id: session, path: s.path + ".session_id", policy: policy)
            }
        }
    }

    private func checkEntities(_ events: [InlineRow], of s: ScoreRequest.Sample, rows: InlineRows, profileTaken: Bool) throws(ServeError) {
        if let userRows, rows.profile == nil, userRows.lookup(s.userID) == nil {
            let rule = "the run's data leaves out events of users without a users.csv row (data.missing_entities \(missingEntities.rawValue))"
            throw .invalidJSON("user \(JSONValue.quote(String(s.userID.prefix(100)))) has no row in the server's users table, so its events would be "
                               + (profileTaken ? "left out: \(rule); give the sample's profile" : "left out: \(rule), and this model takes no profile; score a user the dataset has"),
                               path: s.path + ".events")
        }
        guard missingEntities == .error, let itemRows else { return }
        for (k, e) in events.enumerated() {
            guard case let .token(item)? = e["item_id"], itemRows.lookup(item) == nil, !(item == s.itemID && rows.attributes != nil) else { continue }
            throw .invalidJSON("item \(JSONValue.quote(String(item.prefix(100)))) has no row in the server's items table (the run's data.missing_entities is error: "
                               + "such an event is refused); give it as the sample's item_id with attributes, or leave the event out", path: s.path + ".events[\(k)].item_id")
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
