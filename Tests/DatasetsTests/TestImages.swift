import CImageCodecs
import Foundation
@testable import Datasets

/// Test inputs built with the shim's writers, so every file the decoder sees was produced by
/// libpng/libjpeg themselves from known samples.
enum TestImages {
    struct EncodeFailure: Error, CustomStringConvertible {
        var description: String
    }

    /// A deterministic RGB pattern with edges, gradients and all three channels different.
    static func pattern(width: Int, height: Int, seed: Int = 0) -> RGBImage {
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                let i = (y * width + x) * 3
                pixels[i] = UInt8((x * 255) / max(width - 1, 1))
                pixels[i + 1] = UInt8((y * 255) / max(height - 1, 1))
                pixels[i + 2] = UInt8((x * 37 + y * 91 + seed * 13) % 256)
            }
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }

    /// A smooth pattern JPEG reproduces closely (no hard edges, chroma varies slowly).
    static func smoothPattern(width: Int, height: Int) -> RGBImage {
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                let i = (y * width + x) * 3
                let fx = Double(x) / Double(width), fy = Double(y) / Double(height)
                pixels[i] = UInt8(40 + 170 * fx)
                pixels[i + 1] = UInt8(60 + 150 * fy)
                pixels[i + 2] = UInt8(128 + 100 * sin(3 * fx + 2 * fy))
            }
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }

    static func png<Sample>(samples: [Sample], width: Int, height: Int, colorType: Int32, bitDepth: Int32,
                            interlaced: Bool = false, palette: [UInt8] = [], paletteAlpha: [UInt8] = [],
                            transparentColor: (gray: UInt16, red: UInt16, green: UInt16, blue: UInt16)? = nil) throws -> [UInt8] {
        try palette.withUnsafeBufferPointer { palette in
            try paletteAlpha.withUnsafeBufferPointer { alpha in
                var options = fl_testing_png_options()
                options.color_type = colorType
                options.bit_depth = bitDepth
                options.interlaced = interlaced ? 1 : 0
                options.palette_rgb = palette.baseAddress
                options.palette_size = Int32(palette.count / 3)
                options.palette_alpha = alpha.baseAddress
                options.palette_alpha_count = Int32(alpha.count)
                if let transparentColor {
                    options.has_transparent_color = 1
                    options.transparent_gray = transparentColor.gray
                    options.transparent_red = transparentColor.red
                    options.transparent_green = transparentColor.green
                    options.transparent_blue = transparentColor.blue
                }
                return try encode(.png) { out, message, capacity in
                    samples.withUnsafeBytes { raw in
                        fl_testing_encode_png(raw.baseAddress, Int32(width), Int32(height), &options, out, message, capacity)
                    }
                }
            }
        }
    }

    static func jpeg(samples: [UInt8], width: Int, height: Int, space: fl_testing_jpeg_space,
                     quality: Int = 95, progressive: Bool = false, arithmetic: Bool = false) throws -> [UInt8] {
        let flags = (progressive ? Int32(FL_TESTING_JPEG_PROGRESSIVE) : 0) | (arithmetic ? Int32(FL_TESTING_JPEG_ARITHMETIC) : 0)
        return try encode(.jpeg) { out, message, capacity in
            samples.withUnsafeBufferPointer { samples in
                fl_testing_encode_jpeg(samples.baseAddress, Int32(width), Int32(height), space, Int32(quality), flags,
                                       out, message, capacity)
            }
        }
    }

    private static func encode(
        _ format: ImageFormat,
        _ body: (UnsafeMutablePointer<fl_encoded_image>, UnsafeMutablePointer<CChar>, Int) -> fl_image_status
    ) throws -> [UInt8] {
        do {
            return try encodeWithShim(format: format, body)
        } catch {
            throw EncodeFailure(description: error.description)
        }
    }

    /// Gray levels varying smoothly in x and y, as RGB with equal channels (no chroma for
    /// JPEG's subsampling to blur).
    static func grayRamp(width: Int, height: Int) -> RGBImage {
        var pixels = [UInt8]()
        for y in 0..<height {
            for x in 0..<width {
                let level = UInt8(30 + 150 * x / max(width - 1, 1) + 40 * y / max(height - 1, 1))
                pixels += [level, level, level]
            }
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }

    /// A fresh directory for one test's files.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("fusionlab-image-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func write(_ bytes: [UInt8], named name: String, in directory: URL) throws -> String {
        let url = directory.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url.path
    }

    /// Mean absolute difference per byte between two same-sized images.
    static func meanAbsoluteError(_ a: RGBImage, _ b: RGBImage) -> Double {
        precondition(a.width == b.width && a.height == b.height)
        var total = 0
        for i in 0..<a.pixels.count { total += abs(Int(a.pixels[i]) - Int(b.pixels[i])) }
        return Double(total) / Double(a.pixels.count)
    }

    /// CRC-32 (PNG's polynomial), to forge chunks with correct checksums.
    static func crc32(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = (crc >> 1) ^ (crc & 1 == 1 ? 0xEDB8_8320 : 0) }
        }
        return crc ^ 0xFFFF_FFFF
    }

    static func bigEndian32(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }
}
