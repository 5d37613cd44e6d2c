import Foundation
import Tensor

// Helpers shared by the loss, optimizer, checkpoint and training suites.

/// |a − b| ≤ tolerance, elementwise.
func nearlyEqual(_ a: [Float], _ b: [Float], tolerance: Float = 1e-5) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { Swift.abs($0 - $1) <= tolerance * max(1, Swift.abs($1)) }
}

/// Soft targets in (0, 1) that require a gradient.
func softTargets(_ shape: [Int], seed: UInt64) -> Tensor {
    var g = RandomGenerator(seed: seed)
    return Tensor(uniform: shape, low: 0.05, high: 0.95, generator: &g, requiresGrad: true)
}

/// A fresh directory, removed after `body`.
func withTemporaryDirectory(_ body: (URL) throws -> Void) throws {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("fusionlab-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: url) }
    try body(url)
}

func littleEndianBytes<T: FixedWidthInteger>(_ value: T) -> [UInt8] { withUnsafeBytes(of: value.littleEndian) { Array($0) } }
func floatBytes(_ values: [Float]) -> [UInt8] { values.flatMap { littleEndianBytes($0.bitPattern) } }

/// A safetensors file assembled byte by byte: length prefix, header (padded with spaces to a
/// multiple of 8 when asked), data.
func assembleFile(header: String, data: [UInt8], pad: Bool = true, declaredLength: UInt64? = nil) -> Data {
    var headerBytes = Array(header.utf8)
    while pad && headerBytes.count % 8 != 0 { headerBytes.append(0x20) }
    return Data(littleEndianBytes(declaredLength ?? UInt64(headerBytes.count)) + headerBytes + data)
}
