/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), as iSCSI, ext4 and Parquet use: the
/// checksum of prepared-data caches. Slicing-by-8 tables, so a checksum costs about a byte
/// load per byte rather than eight shifts.
public struct CRC32C: Sendable {
    /// The running remainder (inverted, as the algorithm keeps it).
    private var state: UInt32 = 0xFFFF_FFFF

    public init() {}

    /// The checksum of everything `update` was given.
    public var value: UInt32 { ~state }

    public static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var c = CRC32C()
        c.update(bytes)
        return c.value
    }

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard var p = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return }
        var n = bytes.count
        var crc = state
        Self.tables.withUnsafeBufferPointer { t in
            while n >= 8 {
                let low = crc ^ (UInt32(p[0]) | UInt32(p[1]) << 8 | UInt32(p[2]) << 16 | UInt32(p[3]) << 24)
                let high = UInt32(p[4]) | UInt32(p[5]) << 8 | UInt32(p[6]) << 16 | UInt32(p[7]) << 24
                crc = t[7 * 256 + Int(low & 0xFF)] ^ t[6 * 256 + Int((low >> 8) & 0xFF)]
                    ^ t[5 * 256 + Int((low >> 16) & 0xFF)] ^ t[4 * 256 + Int(low >> 24)]
                    ^ t[3 * 256 + Int(high & 0xFF)] ^ t[2 * 256 + Int((high >> 8) & 0xFF)]
                    ^ t[1 * 256 + Int((high >> 16) & 0xFF)] ^ t[Int(high >> 24)]
                p += 8
                n -= 8
            }
            while n > 0 {
                crc = t[Int((crc ^ UInt32(p[0])) & 0xFF)] ^ (crc >> 8)
                p += 1
                n -= 1
            }
        }
        state = crc
    }

    /// Table k maps a byte to its remainder after k further zero bytes.
    private static let tables: [UInt32] = {
        var t = [UInt32](repeating: 0, count: 8 * 256)
        for b in 0..<256 {
            var c = UInt32(b)
            for _ in 0..<8 { c = c & 1 != 0 ? (c >> 1) ^ 0x82F6_3B78 : c >> 1 }
            t[b] = c
        }
        for k in 1..<8 {
            for b in 0..<256 { t[k * 256 + b] = (t[(k - 1) * 256 + b] >> 8) ^ t[Int(t[(k - 1) * 256 + b] & 0xFF)] }
        }
        return t
    }()
}
