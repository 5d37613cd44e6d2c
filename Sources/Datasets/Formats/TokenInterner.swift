import CDelimitedText
import Foundation

/// Maps byte strings to dense ids in order of first appearance, without allocating a String per
/// field: the bytes live in one arena and an open-addressing table points into it. A slot holds
/// the token's first eight bytes (ids are mostly that short) beside its length, part of its hash
/// and its id, so a lookup of a short token reads one cache line and never the arena.
public struct TokenInterner: Sendable {
    private var arena: [UInt8] = []
    private var starts: [Int] = [0]          // token i occupies arena[starts[i]..<starts[i+1]]
    /// Two words per slot: the key (see `key`), then hash tag (16 bits) | length (16) | id + 1 (32); 0 = empty.
    private var table: [UInt64]

    private static let tagAndLength: UInt64 = 0xFFFF_FFFF_0000_0000

    public init(capacity: Int = 1024) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        table = [UInt64](repeating: 0, count: 2 * size)
    }

    public var count: Int { starts.count - 1 }
    private var slotCount: Int { table.count / 2 }

    /// The id of `bytes`, adding it if new.
    public mutating func intern(_ bytes: UnsafeBufferPointer<UInt8>) -> Int32 {
        let (key, h) = Self.keyAndHash(bytes)
        let (found, slot) = probe(bytes, key: key, hash: h)
        if found >= 0 { return found }
        let id = Int32(count)
        arena.append(contentsOf: bytes)
        starts.append(arena.count)
        table[2 * slot] = key
        table[2 * slot + 1] = Self.meta(hash: h, length: bytes.count) | UInt64(id + 1)
        if count * 2 > slotCount { grow() }
        return id
    }

    public mutating func intern(_ string: String) -> Int32 {
        var s = string
        return s.withUTF8 { intern($0) }
    }

    /// Whether the table has outgrown the core's cache (256 K slots, 4 MiB): only then is a
    /// lookup's first probe worth prefetching.
    public var isLarge: Bool { slotCount >= 1 << 18 }

    /// Asks for the slot a lookup of `bytes` probes first, so that a loop can overlap the cache
    /// misses of lookups a few fields apart instead of stalling on each in turn. (Mutating only so
    /// that a caller holding the interner in a mutable builder reads it in place, not as a
    /// retained copy per call.)
    @inline(__always)
    public mutating func prefetch(_ bytes: UnsafeBufferPointer<UInt8>) {
        let h = Self.keyAndHash(bytes).hash
        table.withUnsafeBufferPointer { t in
            fl_prefetch(t.baseAddress! + 2 * (Int(truncatingIfNeeded: h) & (t.count / 2 - 1)))
        }
    }

    /// The id of `bytes` if present.
    public func lookup(_ bytes: UnsafeBufferPointer<UInt8>) -> Int32? {
        let (key, h) = Self.keyAndHash(bytes)
        let found = probe(bytes, key: key, hash: h).id
        return found >= 0 ? found : nil
    }

    public func lookup(_ string: String) -> Int32? {
        var s = string
        return s.withUTF8 { lookup($0) }
    }

    public func string(_ id: Int32) -> String {
        let i = Int(id)
        return String(decoding: arena[starts[i]..<starts[i + 1]], as: UTF8.self)
    }

    /// All tokens in id order.
    public var strings: [String] { (0..<count).map { string(Int32($0)) } }

    /// Calls `body` with the bytes of token `id`.
    func withBytes<R>(of id: Int32, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        let start = starts[Int(id)], end = starts[Int(id) + 1]
        return arena.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[start..<end])) }
    }

    /// Whether token `id` is exactly `bytes` (a cheap check before hashing, for repeated values).
    @inline(__always)
    func matches(_ id: Int32, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        equals(Int(id), bytes)
    }

    /// The id of `bytes` (−1 if absent) and the slot where it is or would go.
    @inline(__always)
    private func probe(_ bytes: UnsafeBufferPointer<UInt8>, key: UInt64, hash h: UInt64) -> (id: Int32, slot: Int) {
        let wanted = Self.meta(hash: h, length: bytes.count)
        return table.withUnsafeBufferPointer { t in
            let mask = t.count / 2 - 1
            var slot = Int(truncatingIfNeeded: h) & mask
            while true {
                let meta = t[2 * slot + 1]
                if meta == 0 { return (-1, slot) }
                if meta & Self.tagAndLength == wanted && t[2 * slot] == key {
                    let id = Int(truncatingIfNeeded: meta & 0xFFFF_FFFF) - 1
                    // Up to eight bytes the key is the token; longer ones compare the rest.
                    if bytes.count <= 8 || equals(id, bytes) { return (Int32(id), slot) }
                }
                slot = (slot + 1) & mask
            }
        }
    }

    @inline(__always)
    private static func meta(hash h: UInt64, length: Int) -> UInt64 {
        (h & 0xFFFF_0000_0000_0000) | UInt64(truncatingIfNeeded: min(length, 0xFFFF)) << 32
    }

    @inline(__always)
    private func equals(_ id: Int, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        starts.withUnsafeBufferPointer { s in
            let start = s[id], length = s[id + 1] - start
            guard length == bytes.count else { return false }
            if length == 0 { return true }
            return arena.withUnsafeBufferPointer { a in Self.bytesEqual(UnsafeRawPointer(a.baseAddress! + start), UnsafeRawPointer(bytes.baseAddress!), length) }
        }
    }

    /// `memcmp(a, b, n) == 0` for the short strings ids are, without a call.
    @inline(__always)
    static func bytesEqual(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ n: Int) -> Bool {
        if n >= 8 {
            var i = 0
            while i + 8 <= n {
                if a.loadUnaligned(fromByteOffset: i, as: UInt64.self) != b.loadUnaligned(fromByteOffset: i, as: UInt64.self) { return false }
                i += 8
            }
            return i == n || a.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self) == b.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)
        }
        if n >= 4 {
            return a.loadUnaligned(as: UInt32.self) == b.loadUnaligned(as: UInt32.self)
                && a.loadUnaligned(fromByteOffset: n - 4, as: UInt32.self) == b.loadUnaligned(fromByteOffset: n - 4, as: UInt32.self)
        }
        for k in 0..<n where a.load(fromByteOffset: k, as: UInt8.self) != b.load(fromByteOffset: k, as: UInt8.self) { return false }
        return true
    }

    /// Doubles the table, rehashing every token from the arena. A large table's slots are met at
    /// random, a cache miss each: the keys and hashes are computed first, in one pass over the
    /// arena, so the insertions can prefetch the slot of the token a few ahead.
    private mutating func grow() {
        let size = slotCount * 2
        var newTable = [UInt64](repeating: 0, count: 2 * size)
        let mask = size - 1
        let n = count
        var keys = [UInt64](repeating: 0, count: n), hashes = [UInt64](repeating: 0, count: n)
        arena.withUnsafeBufferPointer { a in
            starts.withUnsafeBufferPointer { s in
                for id in 0..<n { (keys[id], hashes[id]) = Self.keyAndHash(UnsafeBufferPointer(rebasing: a[s[id]..<s[id + 1]])) }
                newTable.withUnsafeMutableBufferPointer { t in
                    let ahead = ColumnBuilder.prefetchDistance
                    for id in 0..<n {
                        if id &+ ahead < n { fl_prefetch(t.baseAddress! + 2 * (Int(truncatingIfNeeded: hashes[id &+ ahead]) & mask)) }
                        let h = hashes[id]
                        var slot = Int(truncatingIfNeeded: h) & mask
                        while t[2 * slot + 1] != 0 { slot = (slot + 1) & mask }
                        t[2 * slot] = keys[id]
                        t[2 * slot + 1] = Self.meta(hash: h, length: s[id + 1] - s[id]) | UInt64(id + 1)
                    }
                }
            }
        }
        table = newTable
    }

    /// FNV-1a with a finaliser. Item-id hash buckets (`DataOptions.itemHashBuckets`) use it, so
    /// it must never change; the table uses the faster `keyAndHash`.
    @inline(__always)
    static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in bytes { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        h ^= h >> 33
        h &*= 0xFF51_AFD7_ED55_8CCD
        h ^= h >> 33
        return h
    }

    /// For up to eight bytes a value that, with the length, determines the bytes; else the
    /// first eight bytes.
    @inline(__always)
    static func key(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        let n = bytes.count
        guard n > 0, let p = bytes.baseAddress else { return 0 }
        let raw = UnsafeRawPointer(p)
        if n >= 8 { return raw.loadUnaligned(as: UInt64.self) }
        if n >= 4 { return UInt64(raw.loadUnaligned(as: UInt32.self)) | UInt64(raw.loadUnaligned(fromByteOffset: n - 4, as: UInt32.self)) << 32 }
        return UInt64(p[0]) | UInt64(p[n >> 1]) << 8 | UInt64(p[n - 1]) << 16
    }

    /// The slot key — for up to eight bytes a value that, with the length, determines the
    /// bytes; else the first eight bytes — and a word-at-a-time hash of the whole token.
    @inline(__always)
    static func keyAndHash(_ bytes: UnsafeBufferPointer<UInt8>) -> (key: UInt64, hash: UInt64) {
        let n = bytes.count
        guard n > 0, let p = bytes.baseAddress else { return (0, 0x9E37_79B9_7F4A_7C15) }
        let raw = UnsafeRawPointer(p)
        let k1: UInt64 = 0xA076_1D64_78BD_642F, k2: UInt64 = 0xE703_7ED1_A0B4_28DB
        @inline(__always) func mix(_ a: UInt64, _ b: UInt64) -> UInt64 {
            let product = (a ^ k1).multipliedFullWidth(by: b ^ k2)
            return product.high ^ product.low
        }
        let key = Self.key(bytes)
        var h = mix(key, UInt64(n) &* k1)
        if n > 8 {
            var i = 8
            while i + 16 <= n {
                h = mix(h ^ raw.loadUnaligned(fromByteOffset: i, as: UInt64.self), raw.loadUnaligned(fromByteOffset: i + 8, as: UInt64.self))
                i += 16
            }
            h = mix(h ^ raw.loadUnaligned(fromByteOffset: n - 16 < 0 ? 0 : n - 16, as: UInt64.self) ^ UInt64(n),
                    raw.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self))
        }
        return (key, mix(h, UInt64(n)))
    }
}
