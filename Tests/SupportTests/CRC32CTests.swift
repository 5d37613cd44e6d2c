import Testing
import Support

/// CRC-32C against published check values (RFC 3720 appendix B.4 and the "123456789" check).
@Suite struct CRC32CTests {
    func crc(_ bytes: [UInt8]) -> UInt32 { bytes.withUnsafeBytes { CRC32C.checksum($0) } }

    @Test func matchesPublishedCheckValues() {
        #expect(crc(Array("123456789".utf8)) == 0xE306_9283)
        #expect(crc([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(crc([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
        #expect(crc((0..<32).map { UInt8($0) }) == 0x46DD_794E)
        #expect(crc([]) == 0)
    }

    @Test func piecesGiveTheChecksumOfTheWhole() {
        let bytes = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        for split in [0, 1, 7, 8, 9, 500, 999, 1000] {
            var c = CRC32C()
            bytes[..<split].withUnsafeBytes { c.update($0) }
            bytes[split...].withUnsafeBytes { c.update($0) }
            #expect(c.value == crc(bytes), "split at \(split)")
        }
    }
}
