import Foundation
import Testing
import Tensor
import NN
import Datasets
import Models
import Support
import TestSupport

/// Per-event consistency heads (`sequence.events.<field>`): parsing, gradients, and the mean /
/// max aggregation of event surprises into a sample's two surprise columns.
@Suite struct EventConsistencyHeadTests {
    /// The fixture schema with bucket edges for its event float `dwell` (4 buckets).
    static let schema: DatasetSchema = {
        var s = Fixture.schema
        s.sequenceFloatEdges = [[-1, 0, 1]]
        return s
    }()

    static func specs(_ heads: String, schema: DatasetSchema = schema) throws -> [ConsistencyHeadSpec] {
        let config = try Fixture.modelConfig(["encoders.sequence.heads=2", "fusion.heads=2", "consistency.heads=\(heads)"])
        return try ConsistencyHeadSpec.parseAll(ModelOptions(section: config).consistency.heads, schema: schema)
    }

    static func error(_ heads: String) -> String {
        do { _ = try specs(heads); return "" } catch { return "\(error)" }
    }

    @Test func perEventTargetsResolveToTokenFieldsAndFloatBuckets() throws {
        let specs = try Self.specs(#"{"dwell": {"from": ["sequence.events.item_id", "sequence.events.gap"], "predict": "sequence.events.dwell"}, "type": {"from": "sequence.events.item_id", "predict": "sequence.events.event_type"}}"#)
        #expect(specs[0].target == .eventFloatBucket(field: "dwell", column: 0, edges: [-1, 0, 1]))
        #expect(specs[0].target.classes == 4 && specs[0].target.isPerEvent && specs[0].target.path == "sequence.events.dwell")
        #expect(specs[0].sourceModalities.isEmpty && specs[0].sourceFields.map(\.name) == ["item_id", "gap"])
        #expect(specs[1].target == .eventToken(field: "event_type", size: 8))
        #expect(specs.surpriseColumns.map(\.name) == ["dwell", "dwell.max", "type", "type.max"])
        #expect(specs.surpriseColumns.map(\.head) == [0, 0, 1, 1])
        // The evidence reads two columns per per-event head (value and presence each).
        var g = RandomGenerator(seed: 1)
        let evidence = ConsistencyEvidence(heads: specs, hidden: [4], dropout: 0, generator: &g)
        #expect(evidence.columns.count == 4 && evidence.mlp.namedParameters().first!.tensor.shape.contains(8))
        // A float the dataset gave no edges (saved before edges existed) is not a target.
        #expect(throws: ConfigError.self) {
            _ = try Self.specs(#"{"h": {"from": "sequence.events.item_id", "predict": "sequence.events.dwell"}}"#, schema: Fixture.schema)
        }
    }

    @Test func configErrorsNameThePathAndTheValidChoices() {
        let unknown = Self.error(#"{"h": {"from": "sequence.events.item_id", "predict": "sequence.events.colour"}}"#)
        #expect(unknown.contains("model.consistency.heads.h.predict") && unknown.contains("event_type, item_id, gap, dwell"))
        let own = Self.error(#"{"h": {"from": ["sequence.events.item_id", "sequence.events.event_type"], "predict": "sequence.events.event_type"}}"#)
        #expect(own.contains("model.consistency.heads.h.from[1]") && own.contains("its own target"))
        let mixed = Self.error(#"{"h": {"from": ["sequence.events.item_id", "profile"], "predict": "sequence.events.event_type"}}"#)
        #expect(mixed.contains("model.consistency.heads.h.from[1]") && mixed.contains("sequence.events.item_id, sequence.events.gap"))
        let source = Self.error(#"{"h": {"from": "sequence.events.colour", "predict": "sequence.events.event_type"}}"#)
        #expect(source.contains("model.consistency.heads.h.from[0]") && source.contains("no token field \"colour\""))
        let eventSource = Self.error(#"{"h": {"from": "sequence.events.item_id", "predict": "attributes.brand"}}"#)
        #expect(eventSource.contains("model.consistency.heads.h.from[0]") && eventSource.contains("only a per-event target"))
    }

    /// The declaration encodes back to the config it came from, its target's path resolves to the
    /// same target, and the schema keeps its edges through JSON (and reads old schemas without them).
    @Test func configAndSchemaRoundTrip() throws {
        let heads = #"{"h": {"from": ["sequence.events.item_id"], "predict": "sequence.events.dwell", "enabled": true}}"#
        let config = try Fixture.modelConfig(["consistency.heads=\(heads)"])
        let declared = ModelOptions(section: config).consistency.heads
        let encoded = ConfigDecoding.encode(declared[0]), section = try #require(config.at("consistency.heads.h"))
        #expect(encoded.objectPairs?.count == section.objectPairs?.count && ["from", "predict", "enabled"].allSatisfy { encoded[$0] == section[$0] })
        let spec = try Self.specs(heads)[0]
        #expect(try Self.specs(#"{"h": {"from": ["sequence.events.item_id"], "predict": "\#(spec.target.path)"}}"#)[0] == spec)
        let data = try JSONEncoder().encode(Self.schema)
        #expect(try JSONDecoder().decode(DatasetSchema.self, from: data) == Self.schema)
        let old = try JSONDecoder().decode(DatasetSchema.self, from: try JSONEncoder().encode(Fixture.schema))
        #expect(old.sequenceFloatEdges == nil)
    }

    /// A hand-built batch: row 0 has 4 events (one with an unknown type, not judged), row 1 none,
    /// row 2 two events but its sequence masked, row 3 three events.
    static func handBatch() -> (Batch, Tensor) {
        var batch = Fixture.batch(size: 4, seed: 3, lengths: [4, 0, 2, 3])
        let l = schema.sequenceLength
        // Known types everywhere (the fixture draws any index, unknown and missing too), but one.
        var types = [Int32](repeating: 0, count: 4 * l)
        for r in 0..<4 { for p in 0..<Int(batch.sequenceLengths[r]) { types[r * l + p] = Int32(3 + (r + p) % 5) } }
        types[0 * l + 2] = Vocabulary.unknown
        batch.sequenceTokens["event_type"] = IndexTensor(types, shape: [4, l])
        let mask = Tensor(ones: [4, 4])
        mask[2, Modality.sequence.index] = 0
        batch.modalityMask = mask
        return (batch, mask)
    }

    @Test func meanAndMaxAggregateTheJudgedEventsKnownValues() throws {
        // The aggregation alone, on literal surprises.
        let a = EventSurprises.aggregate(rows: [0, 0, 0, 2, 2], surprise: [1, 3, 2, 0.5, 0.25], batchSize: 3)
        #expect(a.mean == [2, 0, 0.375] && a.maximum == [3, 0, 0.5] && a.worst == [1, -1, 3] && a.counts == [3, 0, 2])

        // Through the head: recompute each judged event's −log p from its logits.
        let spec = try Self.specs(#"{"h": {"from": ["sequence.events.item_id"], "predict": "sequence.events.event_type"}}"#)[0]
        var g = RandomGenerator(seed: 7)
        let head = ConsistencyHead(spec: spec, embeddingSize: 16, hidden: [8], dropout: 0, generator: &g)
        let (batch, mask) = Self.handBatch()
        let out = try #require(head([:], batch: batch, mask: mask))
        let events = try #require(out.events)
        #expect(events.rows == [0, 0, 0, 3, 3, 3] && events.positions == [0, 1, 3, 0, 1, 2])
        #expect(out.judged == [true, false, false, true] && events.counts == [3, 0, 0, 3])
        let l = Self.schema.sequenceLength, types = batch.sequenceTokens["event_type"]!.values, z = out.logits.pointer
        var manual: [Double] = []
        for k in events.rows.indices {
            let label = Int(types[Int(events.rows[k]) * l + Int(events.positions[k])])
            #expect(events.labels[k] == Int32(label))
            let logSum = Foundation.log((0..<8).reduce(0.0) { $0 + Foundation.exp(Double(z[k * 8 + $1])) })
            manual.append(logSum - Double(z[k * 8 + label]))
        }
        #expect(maxAbsoluteDifference(events.surprise, manual) < 1e-5)
        for (r, range) in [(0, 0..<3), (3, 3..<6)] {
            let slice = Array(manual[range]), top = slice.max()!
            #expect(Swift.abs(Double(out.surprise[r]) - slice.reduce(0, +) / 3) < 1e-5)
            #expect(Swift.abs(Double(events.maximum[r]) - top) < 1e-5)
            #expect(events.worst[r] == events.positions[range.lowerBound + slice.firstIndex(of: top)!])
        }
        #expect(out.surprise[1] == 0 && out.surprise[2] == 0 && events.worst[1] == -1)
        // The loss is the mean over the batch's judged events.
        #expect(Swift.abs(Double(out.loss.item) - manual.reduce(0, +) / 6) < 1e-5)
    }

    @Test func finiteDifferencesThroughAPerEventHead() throws {
        let spec = try Self.specs(#"{"h": {"from": ["sequence.events.item_id", "sequence.events.gap"], "predict": "sequence.events.dwell"}}"#)[0]
        var g = RandomGenerator(seed: 11)
        let head = ConsistencyHead(spec: spec, embeddingSize: 16, fieldDimension: 4, hidden: [6], dropout: 0, generator: &g)
        head.eval()
        let (batch, mask) = Self.handBatch()
        let result = try checkGradients(of: head, epsilon: 1e-3, tolerance: 2e-2, absoluteTolerance: 2e-3, maxElementsPerInput: 24) {
            head([:], batch: batch, mask: mask)!.loss
        }
        print("per-event head gradients: \(result.checkedElements) elements, max abs error \(result.maxAbsoluteError), worst relative \(result.relativeVectorError)")
        #expect(result.checkedElements > 50)
    }

    @Test func aModelWithOnlyPerEventHeadsBuildsNoEncodersAndLearnsFromBatches() throws {
        let specs = try Self.specs(#"{"h": {"from": ["sequence.events.item_id"], "predict": "sequence.events.event_type"}}"#)
        let options = ModelOptions(section: try Fixture.modelConfig(["encoders.sequence.heads=2", "fusion.heads=2"]))
        let model = try ConsistencyModel(specs: specs, model: options, headHidden: [8], headDropout: 0, schema: Self.schema, seed: 2)
        #expect(model.encoders.isEmpty)
        // Event type = 3 + item id mod 5: learnable from the item alone.
        func batch(_ seed: UInt64) -> Batch {
            var b = Fixture.batch(size: 16, seed: seed)
            let items = b.sequenceTokens["item_id"]!.values
            b.sequenceTokens["event_type"] = IndexTensor(items.map { $0 == 0 ? 0 : 3 + $0 % 5 }, shape: [16, Self.schema.sequenceLength])
            return b
        }
        let optimizer = try AdamW(parameters: ParameterBuffer(module: model), learningRate: 3e-2)
        let before = withoutGradients { model(batch(99)).loss!.item }
        for step in 0..<120 {
            optimizer.zeroGrad()
            model(batch(UInt64(step))).loss!.backward()
            optimizer.step()
        }
        let after = withoutGradients { model(batch(99)).loss!.item }
        #expect(after < 0.3 * before, "per-event loss \(before) → \(after)")
    }
}
