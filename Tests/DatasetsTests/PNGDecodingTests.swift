import CImageCodecs
import Foundation
import Testing
@testable import Datasets

/// Every PNG variant decodes to exactly the RGB the writer was given (alpha over white).
@Suite struct PNGDecodingTests {
    /// Expected RGB for a colour blended over white: round((c·a + 255·(255 − a)) / 255).
    static func overWhite(_ color: UInt8, alpha: UInt8) -> UInt8 {
        let a = Double(alpha)
        return UInt8((Double(color) * a / 255 + 255 * (255 - a) / 255).rounded())
    }

    @Test func rgbRoundTripsExactlyThroughBytesDataAndFile() throws {
        let image = TestImages.pattern(width: 37, height: 23)
        let bytes = try encodePNG(image)
        #expect(bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]))
        #expect(try decodeImage(data: bytes) == image)
        #expect(try decodeImage(data: Data(bytes)) == image)
        let directory = try TestImages.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = try TestImages.write(bytes, named: "pattern.png", in: directory)
        #expect(try decodeImage(atPath: path) == image)
    }

    @Test func rgbaIsCompositedOverWhite() throws {
        let width = 16, height = 4
        var rgba = [UInt8]()
        var expected = [UInt8]()
        for i in 0..<(width * height) {
            let color: [UInt8] = [UInt8(i * 4), UInt8(255 - i * 3), UInt8((i * 29) % 256)]
            let alpha: UInt8 = i == 0 ? 0 : i == 1 ? 255 : UInt8((i * 53) % 256)
            rgba += color + [alpha]
            expected += color.map { Self.overWhite($0, alpha: alpha) }
        }
        let bytes = try TestImages.png(samples: rgba, width: width, height: height, colorType: 6, bitDepth: 8)
        let decoded = try decodeImage(data: bytes)
        #expect(decoded.pixels == expected)
        #expect(decoded[x: 0, y: 0] == (255, 255, 255))  // fully transparent → white
        #expect(decoded[x: 1, y: 0] == (4, 252, 29))      // opaque → unchanged
    }

    @Test func gray8BecomesEqualChannels() throws {
        let gray = (0..<(19 * 5)).map { UInt8(($0 * 11) % 256) }
        let bytes = try TestImages.png(samples: gray, width: 19, height: 5, colorType: 0, bitDepth: 8)
        #expect(try decodeImage(data: bytes).pixels == gray.flatMap { [$0, $0, $0] })
    }

    @Test(arguments: [(Int32(1), 255), (2, 85), (4, 17)])
    func lowBitGrayIsScaledToFullRange(bitDepth: Int32, step: Int) throws {
        let levels = 1 << Int(bitDepth)
        let samples = (0..<(9 * 3)).map { UInt8($0 % levels) }
        let bytes = try TestImages.png(samples: samples, width: 9, height: 3, colorType: 0, bitDepth: bitDepth)
        #expect(try decodeImage(data: bytes).pixels == samples.flatMap { Array(repeating: UInt8(Int($0) * step), count: 3) })
    }

    @Test func grayAlphaIsCompositedOverWhite() throws {
        let samples: [UInt8] = [0, 0, 0, 255, 100, 128, 200, 10, 255, 255, 50, 1]
        let bytes = try TestImages.png(samples: samples, width: 3, height: 2, colorType: 4, bitDepth: 8)
        let expected = stride(from: 0, to: samples.count, by: 2).flatMap { i -> [UInt8] in
            let v = Self.overWhite(samples[i], alpha: samples[i + 1])
            return [v, v, v]
        }
        #expect(try decodeImage(data: bytes).pixels == expected)
    }

    @Test(arguments: [Int32(2), 8])
    func paletteWithTransparencyExpands(bitDepth: Int32) throws {
        let palette: [UInt8] = [10, 20, 30, 200, 0, 0, 0, 200, 0, 7, 7, 250]
        let alpha: [UInt8] = [0, 128]  // entry 0 transparent, entry 1 half, others opaque
        let indices = (0..<(11 * 6)).map { UInt8(($0 * 7) % 4) }
        let bytes = try TestImages.png(samples: indices, width: 11, height: 6, colorType: 3, bitDepth: bitDepth,
                                       palette: palette, paletteAlpha: alpha)
        let expected = indices.flatMap { index -> [UInt8] in
            let a: UInt8 = Int(index) < alpha.count ? alpha[Int(index)] : 255
            return (0..<3).map { Self.overWhite(palette[Int(index) * 3 + $0], alpha: a) }
        }
        #expect(try decodeImage(data: bytes).pixels == expected)
    }

    @Test func rgb16IsRoundedTo8Bits() throws {
        let samples = (0..<(7 * 5 * 3)).map { UInt16(truncatingIfNeeded: $0 &* 40_503 &+ 129) }
        let bytes = try TestImages.png(samples: samples, width: 7, height: 5, colorType: 2, bitDepth: 16)
        // Exact rounding of v·255/65535 = v/257.
        #expect(try decodeImage(data: bytes).pixels == samples.map { UInt8((Double($0) / 257).rounded()) })
    }

    @Test func transparentColorKeyBecomesWhite() throws {
        let rgb: [UInt8] = [1, 2, 3, 9, 9, 9, 1, 2, 3, 0, 0, 0]
        let bytes = try TestImages.png(samples: rgb, width: 2, height: 2, colorType: 2, bitDepth: 8,
                                       transparentColor: (gray: 0, red: 1, green: 2, blue: 3))
        #expect(try decodeImage(data: bytes).pixels == [255, 255, 255, 9, 9, 9, 255, 255, 255, 0, 0, 0])
    }

    @Test func interlacedRGBMatchesNonInterlaced() throws {
        // 13 × 7 leaves some Adam7 passes partial or empty.
        let image = TestImages.pattern(width: 13, height: 7, seed: 3)
        let bytes = try TestImages.png(samples: image.pixels, width: 13, height: 7, colorType: 2, bitDepth: 8,
                                       interlaced: true)
        #expect(try decodeImage(data: bytes) == image)
    }

    @Test func interlaced16BitRGBAOpaqueAndGray() throws {
        let width = 9, height = 10
        var rgba = [UInt16]()
        for i in 0..<(width * height) {
            rgba += [UInt16(i * 700), UInt16(65_535 - i * 500), UInt16(i * 257), 65_535]
        }
        let bytes = try TestImages.png(samples: rgba, width: width, height: height, colorType: 6, bitDepth: 16,
                                       interlaced: true)
        var expected = [UInt8]()
        for i in 0..<(width * height) {
            for c in 0..<3 { expected.append(UInt8((Double(rgba[i * 4 + c]) / 257).rounded())) }
        }
        #expect(try decodeImage(data: bytes).pixels == expected)

        let gray = (0..<(width * height)).map { (i: Int) -> UInt16 in UInt16(i * 257) }
        let grayBytes = try TestImages.png(samples: gray, width: width, height: height, colorType: 0, bitDepth: 16,
                                           interlaced: true)
        #expect(try decodeImage(data: grayBytes).pixels == gray.flatMap { Array(repeating: UInt8($0 / 257), count: 3) })
    }

    @Test func onePixelImage() throws {
        let image = RGBImage(width: 1, height: 1, red: 250, green: 1, blue: 128)
        #expect(try decodeImage(data: try encodePNG(image)) == image)
    }
}
