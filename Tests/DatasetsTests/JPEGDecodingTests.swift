import CImageCodecs
import Foundation
import Testing
@testable import Datasets

/// JPEG is lossy: decoded pixels are compared with the encoder's input by mean absolute error
/// per byte (MAE). On the smooth test pattern at quality 95, libjpeg-turbo stays below 1.5.
@Suite struct JPEGDecodingTests {
    static let tolerance = 1.5
    let image = TestImages.smoothPattern(width: 48, height: 40)

    @Test func baselineIsCloseToItsInput() throws {
        let bytes = try encodeJPEG(image, quality: 95)
        #expect(bytes.starts(with: [0xFF, 0xD8, 0xFF]))
        let decoded = try decodeImage(data: bytes)
        #expect(decoded.width == 48 && decoded.height == 40)
        #expect(TestImages.meanAbsoluteError(decoded, image) < Self.tolerance)
    }

    @Test func progressiveDecodesToTheSamePixelsAsBaseline() throws {
        // Same quantised coefficients, different scan order: identical decoded pixels.
        let baseline = try decodeImage(data: try encodeJPEG(image, quality: 95))
        let progressiveBytes = try encodeJPEG(image, quality: 95, progressive: true)
        #expect(zip(progressiveBytes, progressiveBytes.dropFirst()).contains { $0 == 0xFF && $1 == 0xC2 })  // SOF2
        #expect(try decodeImage(data: progressiveBytes) == baseline)
    }

    @Test func arithmeticCodedDecodes() throws {
        let bytes = try TestImages.jpeg(samples: image.pixels, width: 48, height: 40, space: FL_TESTING_JPEG_YCBCR,
                                        arithmetic: true)
        #expect(TestImages.meanAbsoluteError(try decodeImage(data: bytes), image) < Self.tolerance)
    }

    @Test func lowerQualityLosesMore() throws {
        let detailed = TestImages.smoothPattern(width: 64, height: 64)
        let high = try encodeJPEG(detailed, quality: 95), low = try encodeJPEG(detailed, quality: 30)
        #expect(low.count < high.count)
        let highError = TestImages.meanAbsoluteError(try decodeImage(data: high), detailed)
        let lowError = TestImages.meanAbsoluteError(try decodeImage(data: low), detailed)
        #expect(highError < lowError)
    }

    @Test func grayscaleBecomesEqualChannels() throws {
        let gray = (0..<(40 * 24)).map { (i: Int) -> UInt8 in UInt8(30 + (i % 40) * 4 + i / 40) }
        let bytes = try TestImages.jpeg(samples: gray, width: 40, height: 24, space: FL_TESTING_JPEG_GRAY)
        let decoded = try decodeImage(data: bytes)
        var sameChannels = true, error = 0
        for i in 0..<gray.count {
            let (r, g, b) = (decoded.pixels[3 * i], decoded.pixels[3 * i + 1], decoded.pixels[3 * i + 2])
            sameChannels = sameChannels && r == g && g == b
            error += abs(Int(r) - Int(gray[i]))
        }
        #expect(sameChannels)
        #expect(Double(error) / Double(gray.count) < Self.tolerance)
    }

    /// Adobe CMYK is stored inverted (255 = no ink), so RGB = stored C·K / 255 per channel.
    static func adobeCMYK(from image: RGBImage, key: (Int) -> UInt8) -> (samples: [UInt8], expected: RGBImage) {
        var samples = [UInt8](), expected = [UInt8]()
        for i in 0..<image.pixelCount {
            let k = key(i)
            let rgb = image.pixels[(3 * i)..<(3 * i + 3)]
            samples += Array(rgb) + [k]
            expected += rgb.map { UInt8((Double($0) * Double(k) / 255).rounded()) }
        }
        return (samples, RGBImage(width: image.width, height: image.height, pixels: expected))
    }

    @Test(arguments: [FL_TESTING_JPEG_CMYK, FL_TESTING_JPEG_YCCK])
    func adobeCMYKAndYCCKAreConvertedToRGB(space: fl_testing_jpeg_space) throws {
        let (samples, expected) = Self.adobeCMYK(from: image) { i in UInt8(255 - (i % 48)) }
        let bytes = try TestImages.jpeg(samples: samples, width: 48, height: 40, space: space)
        #expect(TestImages.meanAbsoluteError(try decodeImage(data: bytes), expected) < Self.tolerance)
    }

    @Test func oddSizesDecode() throws {
        // Partial MCUs at the right and bottom edges; a stride mistake would scramble rows.
        for (width, height) in [(1, 1), (17, 9), (3, 31)] {
            let odd = TestImages.grayRamp(width: width, height: height)
            let decoded = try decodeImage(data: try encodeJPEG(odd, quality: 95))
            #expect(decoded.width == width && decoded.height == height)
            #expect(TestImages.meanAbsoluteError(decoded, odd) < Self.tolerance)
        }
    }

    @Test func invalidQualityIsAnEncodingError() {
        #expect(throws: ImageError.encodingFailed(format: .jpeg, detail: "quality 0 is outside 1...100")) {
            try encodeJPEG(image, quality: 0)
        }
    }
}
