import Foundation
import Testing
@testable import Datasets

/// An overlay (`PreparationContext.overlay`) holds only what its samples read, so that samples
/// with rows of their own are prepared with the fitted preprocessing as dataset rows are: given
/// the stored rows, every sample gets its dataset inputs bit for bit; samples that disagree on
/// an id's rows never share an overlay.
@Suite struct OverlayContextTests {
    static func fitted() throws -> (raw: RawDataset, all: PreparedDataset, fitted: FittedPreprocessing, base: PreparationContext) {
        let raw = try RawDataset.load(folder: FittedPreprocessingTests.shop)
        let options = FittedPreprocessingTests.shopOptions()
        let all = try PreparedDataset.prepare(raw, options: options)
        let fitted = try FittedPreprocessingTests.roundTrip(try #require(all.fitted))
        return (raw, all, fitted, try PreparationContext(raw: raw, options: options, applying: fitted))
    }

    /// Each labels row as an overlay sample; `inline`: with its stored rows given as its own.
    static func samples(_ base: PreparationContext, inline: Bool) -> [OverlaySample] {
        let labels = base.raw.labels, users = base.raw.users!, items = base.raw.items!
        let userColumn = labels.column("user_id")!, itemColumn = labels.column("target_item_id")!
        var eventsOfUser: [String: [InlineRow]] = [:]
        let events = base.raw.events, eventUsers = events.column("user_id")!
        for r in 0..<events.rowCount { eventsOfUser[eventUsers.tokens.string(eventUsers.tokenIDs![r]), default: []].append(events.row(r)) }
        return (0..<labels.rowCount).map { r in
            let u = userColumn.tokens.string(userColumn.tokenIDs![r]), i = itemColumn.tokens.string(itemColumn.tokenIDs![r])
            guard inline else { return OverlaySample(key: u, userID: u, itemID: i, rows: nil) }
            let profile = users.column("user_id")!.tokens.lookup(u).map { users.row(Int($0)) }
            var attributes = items.column("item_id")!.tokens.lookup(i).map { items.row(Int($0)) }
            attributes?["image"] = nil
            return OverlaySample(key: u, userID: u, itemID: i, rows: InlineRows(profile: profile, attributes: attributes, events: eventsOfUser[u] ?? []))
        }
    }

    @Test(arguments: [false, true])
    func anOverlayOfTheStoredRowsPreparesEverySampleAsTheDatasetDoes(inline: Bool) throws {
        let (raw, all, fitted, base) = try Self.fitted()
        let samples = Self.samples(base, inline: inline)
        // Samples of one user read the same events and rows: all share one overlay.
        let overlays = try base.overlays(samples, applying: fitted)
        #expect(overlays.map(\.samples) == [Array(samples.indices)])
        let overlay = overlays[0].context.with(samples: raw.labels)
        #expect(overlay.raw.events.rowCount <= raw.events.rowCount)
        let applied = try PreparedDataset.apply(fitted, context: overlay, rows: Array(samples.indices))
        FittedPreprocessingTests.expectSame(all, applied, rows: Array(samples.indices))
    }

    @Test func samplesThatDisagreeOnAnIdGoApart() throws {
        let (_, _, _, base) = try Self.fitted()
        let stored = Self.samples(base, inline: false)
        var a = stored[0], b = stored[0], c = stored[0]
        a.rows = InlineRows(events: [["event_type": .token("view"), "timestamp": .float(10)]])
        b.rows = InlineRows(events: [["event_type": .token("buy"), "timestamp": .float(10)]])
        c.rows = a.rows
        // One user, other events: apart; the same events: together; the stored events: apart from both.
        #expect(base.overlayGroups([a, b, c, stored[0]]).map(\.members) == [[0, 2], [1], [3]])
        // An item's own row given by one sample, read from the dataset by another's events: apart.
        let u = stored[0].key
        let events = base.raw.events, userIDs = events.column("user_id")!
        let viewed = (0..<events.rowCount).first { userIDs.tokens.string(userIDs.tokenIDs![$0]) == u && events.row($0)["item_id"] != nil }!
        guard case let .token(item)? = events.row(viewed)["item_id"] else { Issue.record("no item"); return }
        let other = stored.first { $0.key != u }!
        var overriding = OverlaySample(key: other.key, userID: other.userID, itemID: item, rows: InlineRows(attributes: ["price": .float(1)]))
        #expect(base.overlayGroups([stored[0], overriding]).map(\.members) == [[0], [1]])
        // The same override of an item nobody else reads shares the overlay.
        overriding.itemID = "an-item-nobody-has"
        #expect(base.overlayGroups([stored[0], overriding]).map(\.members) == [[0, 1]])
    }
}
