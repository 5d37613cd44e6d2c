import Foundation
import Testing
@testable import Datasets

/// A training run's fitted preprocessing, saved and applied to a dataset (`PreparedDataset.apply`),
/// encodes every sample exactly as the run's own preparation did — bit for bit — whichever
/// samples are prepared together; tokens the fit never saw become the unknown token.
@Suite struct FittedPreprocessingTests {
    static let shop: String = {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fl-fit-\(UUID().uuidString)").path
        _ = try! SyntheticShop(config: ShopConfig(preset: .tiny, seed: 0)).write(to: folder)
        return folder
    }()

    static func shopOptions() -> DataOptions {
        var options = DataOptions()
        options.eventFloatColumns = ["dwell", "rating"]
        options.eventTokenColumns = ["device", "region"]
        options.maxLength = 20
        return options
    }

    /// The fit through JSON, as a run folder keeps it.
    static func roundTrip(_ fitted: FittedPreprocessing) throws -> FittedPreprocessing {
        try JSONDecoder().decode(FittedPreprocessing.self, from: try JSONEncoder().encode(fitted))
    }

    static func bits(_ x: [Float]) -> [UInt32] { x.map(\.bitPattern) }

    /// Features of `rows` of `all` against `applied` (whose samples are `rows`, in order).
    static func expectSame(_ all: PreparedDataset, _ applied: PreparedDataset, rows: [Int]) {
        let s = all.sequence, a = applied.sequence, length = s.maxLength, width = s.floatNames.count
        #expect(applied.sampleIDs == rows.map { all.sampleIDs[$0] })
        #expect(a.lengths == rows.map { s.lengths[$0] })
        #expect(a.floatNames == s.floatNames && a.tokenFields.map(\.name) == s.tokenFields.map(\.name))
        for (f, g) in zip(s.tokenFields, a.tokenFields) {
            #expect(f.size == g.size && f.tokens == g.tokens, "field \(f.name)")
            #expect(g.values == rows.flatMap { f.values[($0 * length)..<(($0 + 1) * length)] }, "field \(f.name)")
        }
        #expect(bits(a.floats) == bits(rows.flatMap { s.floats[($0 * length * width)..<(($0 + 1) * length * width)] }))
        for (t, u) in [(all.profile, applied.profile), (all.attributes, applied.attributes)] {
            guard let t, let u else { #expect(t == nil && u == nil); continue }
            let w = t.floatWidth, c = t.categoricalSizes.count
            #expect(u.floatNames == t.floatNames && u.categoricalSizes == t.categoricalSizes && u.quantileEdges == t.quantileEdges)
            #expect(bits(u.floats) == bits(rows.flatMap { t.floats[($0 * w)..<(($0 + 1) * w)] }))
            #expect(u.categorical == rows.flatMap { t.categorical[($0 * c)..<(($0 + 1) * c)] })
            #expect(u.present == rows.map { t.present[$0] })
        }
        #expect(applied.imagePaths == rows.map { all.imagePaths[$0] })
        #expect(applied.anomalyClasses == rows.map { all.anomalyClasses[$0] })
        #expect(applied.schema(imageSize: 16).sequenceFloatEdges == all.schema(imageSize: 16).sequenceFloatEdges)
    }

    @Test func applyingTheFitReproducesEverySampleOfTheShop() throws {
        let raw = try RawDataset.load(folder: Self.shop)
        let options = Self.shopOptions()
        let prepared = try PreparedDataset.prepare(raw, options: options)
        let fitted = try Self.roundTrip(try #require(prepared.fitted))
        #expect(fitted == prepared.fitted)
        #expect(fitted.sequence.population != nil && fitted.profile != nil && fitted.attributes != nil)
        let context = try PreparationContext(raw: raw, options: options, applying: fitted)
        #expect(try context.splitRoles() == prepared.roles)
        let all = Array(0..<prepared.sampleCount)
        Self.expectSame(prepared, try PreparedDataset.apply(fitted, context: context, rows: all, roles: prepared.roles), rows: all)
        // A chunk of samples prepared apart gets the same inputs.
        let chunk = [399, 3, 250, 4]
        Self.expectSame(prepared, try PreparedDataset.apply(fitted, context: context, rows: chunk), rows: chunk)
    }

    // u1 has a training sample and a later test sample whose windows share events: the shared
    // events were counted by the population statistics, and stay measured without themselves.
    static let events = """
        user_id:token,timestamp:float,event_type:token,item_id:token,device:token,rating:float
        u1,1,rate,A,web,5
        u1,2,rate,B,web,1
        u1,3,rate,A,ios,4
        u2,1,rate,A,web,3
        u2,2,rate,B,ios,2
        u3,1,rate,C,web,2
        u3,2,rate,A,android,1
        """
    static let labels = "sample_id:token,user_id:token,cutoff:float,label:float,split:token\ns1,u1,2,1,train\ns2,u2,2,0,train\ns3,u1,3,0,test\ns4,u3,2,0,valid\n"

    @Test func sharedEventsAndUnseenTokens() throws {
        try withDataset(["events.csv": Self.events, "labels.csv": Self.labels]) { folder in
            var options = DataOptions()
            options.split = .column
            options.maxLength = 3
            options.eventFloatColumns = ["rating"]
            options.eventTokenColumns = ["device"]
            let raw = try RawDataset.load(folder: folder)
            let prepared = try PreparedDataset.prepare(raw, options: options)
            let fitted = try Self.roundTrip(try #require(prepared.fitted))
            let context = try PreparationContext(raw: raw, options: options, applying: fitted)
            let rows = [2, 3, 0]
            let applied = try PreparedDataset.apply(fitted, context: context, rows: rows)
            Self.expectSame(prepared, applied, rows: rows)
            // u3's item C and device android were seen by no training sample: the unknown token.
            let item = try #require(applied.sequence.field("item_id")), device = try #require(applied.sequence.field("device"))
            #expect(item.values[3] == Vocabulary.unknown && device.values[4] == Vocabulary.unknown)
            #expect(!fitted.sequence.vocabularies["item_id"]!.contains("C"))
        }
    }
}
