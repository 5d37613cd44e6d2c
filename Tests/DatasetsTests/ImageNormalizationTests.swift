import Tensor
import Testing
@testable import Datasets

@Suite struct ImageNormalizationTests {
    // 3 × 2 image; every pixel distinct so a layout mix-up shows.
    let image = RGBImage(width: 3, height: 2, pixels: [
        255, 0, 128, 0, 255, 51, 10, 20, 30,
        40, 50, 60, 70, 80, 90, 1, 2, 3,
    ])

    static func expectClose(_ a: Float, _ b: Float, _ tolerance: Float = 1e-6) {
        #expect(abs(a - b) <= tolerance, "\(a) vs \(b)")
    }

    @Test func unitRangeIsBytesOver255InCHWOrder() {
        let tensor = image.normalizedTensor(normalization: .unitRange)
        #expect(tensor.shape == [3, 2, 3])
        for y in 0..<2 {
            for x in 0..<3 {
                let pixel = image[x: x, y: y]
                Self.expectClose(tensor[0, y, x], Float(pixel.red) / 255)
                Self.expectClose(tensor[1, y, x], Float(pixel.green) / 255)
                Self.expectClose(tensor[2, y, x], Float(pixel.blue) / 255)
            }
        }
        Self.expectClose(tensor[0, 0, 0], 1)
        Self.expectClose(tensor[1, 0, 1], 1)
        Self.expectClose(tensor[2, 0, 1], 0.2)
    }

    @Test func imageNetStatistics() {
        let tensor = image.normalizedTensor()
        // Pixel (0, 0) = (255, 0, 128).
        Self.expectClose(tensor[0, 0, 0], (1 - 0.485) / 0.229)
        Self.expectClose(tensor[1, 0, 0], (0 - 0.456) / 0.224)
        Self.expectClose(tensor[2, 0, 0], (128.0 / 255 - 0.406) / 0.225)
        // Pixel (2, 1) = (1, 2, 3).
        Self.expectClose(tensor[0, 1, 2], (1.0 / 255 - 0.485) / 0.229)
        Self.expectClose(tensor[2, 1, 2], (3.0 / 255 - 0.406) / 0.225)
    }

    @Test func writesIntoACallerBufferWithoutTouchingItsNeighbours() {
        let count = 3 * image.pixelCount
        var buffer = [Float](repeating: -99, count: count + 4)
        buffer.withUnsafeMutableBufferPointer { image.writeNormalizedCHW(to: $0.baseAddress! + 2, normalization: .unitRange) }
        #expect(buffer[0] == -99 && buffer[1] == -99 && buffer[count + 2] == -99 && buffer[count + 3] == -99)
        #expect(Array(buffer[2..<(count + 2)]) == image.normalizedTensor(normalization: .unitRange).scalars)
    }

    @Test func batchStacksImagesInOrder() {
        let second = RGBImage(width: 3, height: 2, red: 9, green: 8, blue: 7)
        let custom = ChannelNormalization(mean: [0.5, 0.25, 0], std: [0.5, 2, 4])
        let batch = normalizedBatch([image, second, image], normalization: custom)
        #expect(batch.shape == [3, 3, 2, 3])
        let perImage = 3 * 2 * 3
        let scalars = batch.scalars
        #expect(Array(scalars[0..<perImage]) == image.normalizedTensor(normalization: custom).scalars)
        #expect(Array(scalars[perImage..<(2 * perImage)]) == second.normalizedTensor(normalization: custom).scalars)
        #expect(Array(scalars[(2 * perImage)...]) == image.normalizedTensor(normalization: custom).scalars)
        Self.expectClose(batch[1, 1, 0, 0], (8.0 / 255 - 0.25) / 2)
    }
}
