import Datasets

/// A digest of everything loading and preparation produce, to check that a faster loader
/// still gives identical results (`fusionlab bench data --fingerprint`).
enum DataFingerprint {
    struct Digest {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        mutating func add<T>(_ values: [T]) {
            values.withUnsafeBytes { mix($0) }
            add(values.count)
        }
        mutating func add(_ x: Int) { withUnsafeBytes(of: x) { mix($0) } }
        private mutating func mix(_ raw: UnsafeRawBufferPointer) { for b in raw { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 } }
        mutating func add(_ s: String) { add(Array(s.utf8)) }
        var hex: String { String(h, radix: 16) }
    }

    static func table(_ t: AtomicTable) -> String {
        var d = Digest()
        d.add(t.lines)
        for c in t.columns {
            d.add(c.name)
            d.add(c.tokens.count)
            for s in c.tokens.strings { d.add(s) }
            switch c.values {
            case let .tokens(v): d.add(v)
            case let .floats(v): d.add(v)
            case let .tokenSequences(o, v): d.add(o); d.add(v)
            case let .floatSequences(o, v): d.add(o); d.add(v)
            }
        }
        return d.hex
    }

    static func prepared(_ p: PreparedDataset) -> String {
        var d = Digest()
        for s in p.sampleIDs + p.anomalyTypes + p.anomalyClassNames + p.targetItems { d.add(s) }
        d.add(p.labels); d.add(p.anomalyClasses); d.add(p.roles.map(\.rawValue))
        d.add(p.sequence.lengths); d.add(p.sequence.floats)
        for f in p.sequence.tokenFields { d.add(f.name); d.add(f.size); d.add(f.values) }
        for t in [p.profile, p.attributes].compactMap({ $0 }) { d.add(t.floats); d.add(t.categorical); d.add(t.categoricalSizes) }
        for path in p.imagePaths { d.add(path ?? "-") }
        return d.hex
    }
}
