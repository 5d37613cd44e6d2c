import Testing
@testable import Datasets

/// Bilinear resize against values worked out by hand for align_corners=False
/// (source x = (x + 0.5) · in/out − 0.5, clamped), the PyTorch convention.
@Suite struct ImageResizeTests {
    /// Builds an image from three channel planes given as rows.
    static func image(red: [[UInt8]], green: [[UInt8]], blue: [[UInt8]]) -> RGBImage {
        let height = red.count, width = red[0].count
        var pixels = [UInt8]()
        for y in 0..<height {
            for x in 0..<width { pixels += [red[y][x], green[y][x], blue[y][x]] }
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }

    @Test func upsample2x2To4x4() {
        let source = Self.image(red: [[0, 40], [80, 120]], green: [[0, 100], [200, 60]], blue: [[10, 21], [3, 250]])
        // Column weights for the two source pixels: (1, 0), (3/4, 1/4), (1/4, 3/4), (0, 1); rows alike.
        let expected = Self.image(
            red: [[0, 10, 30, 40], [20, 30, 50, 60], [60, 70, 90, 100], [80, 90, 110, 120]],
            green: [[0, 25, 75, 100], [50, 60, 80, 90], [150, 130, 90, 70], [200, 165, 95, 60]],
            // Unrounded: 12.75 18.25 / 8.25 25.75 60.75 78.25 / 4.75 51.75 145.75 192.75 / 64.75 188.25
            blue: [[10, 13, 18, 21], [8, 26, 61, 78], [5, 52, 146, 193], [3, 65, 188, 250]])
        #expect(source.resized(width: 4, height: 4) == expected)
    }

    @Test func halvingAveragesEach2x2Block() {
        let values: [[UInt8]] = [[0, 4, 8, 12], [16, 20, 24, 28], [32, 36, 40, 44], [48, 52, 56, 60]]
        let source = Self.image(red: values, green: values.map { $0.map { 255 - $0 } }, blue: values)
        let expected = Self.image(red: [[10, 18], [42, 50]], green: [[245, 237], [213, 205]], blue: [[10, 18], [42, 50]])
        #expect(source.resized(width: 2, height: 2) == expected)
    }

    @Test func nonIntegerRatioAlongOneAxis() {
        // 3 → 5: source positions −0.2 (→0), 0.4, 1.0, 1.6, 2.2 (→2).
        let source = Self.image(red: [[0, 100, 200]], green: [[200, 100, 0]], blue: [[7, 7, 7]])
        let expected = Self.image(red: [[0, 40, 100, 160, 200]], green: [[200, 160, 100, 40, 0]], blue: [[7, 7, 7, 7, 7]])
        #expect(source.resized(width: 5, height: 1) == expected)
    }

    @Test func identityAndConstantImages() {
        let pattern = TestImages.pattern(width: 13, height: 9)
        #expect(pattern.resized(width: 13, height: 9) == pattern)
        let flat = RGBImage(width: 7, height: 5, red: 12, green: 200, blue: 99)
        #expect(flat.resized(width: 3, height: 11) == RGBImage(width: 3, height: 11, red: 12, green: 200, blue: 99))
        #expect(flat.resized(width: 1, height: 1) == RGBImage(width: 1, height: 1, red: 12, green: 200, blue: 99))
    }

    @Test func resizeTapsMatchPyTorchIndices() {
        // align_corners=False, 4 → 3 (scale 4/3): positions 1/6, 3/2, 17/6.
        let taps = BilinearTaps(sourceSize: 4, targetSize: 3)
        #expect(taps.first == [0, 1, 2])
        #expect(taps.second == [1, 2, 3])
        let expectedWeights: [Float] = [1.0 / 6, 0.5, 5.0 / 6]
        for (weight, expected) in zip(taps.weight, expectedWeights) { #expect(abs(weight - expected) < 1e-6) }
    }
}
