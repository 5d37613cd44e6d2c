// libFuzzer harness for the image decoder (C shim + Swift wrapper). Not part of `swift test`;
// build and run with ./run-fuzzer.sh (see README.md).
import CImageCodecs
import Foundation

/// Small enough that libFuzzer's 2 GB RSS limit flags leaks and runaway allocation, not
/// legitimate large images.
let fuzzMaxPixels = 1 << 22

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzImageDecoder(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    do {
        let image = try decodeImage(bytes: bytes, maxPixels: fuzzMaxPixels, source: ImageSource())
        precondition(image.pixels.count == image.width * image.height * 3, "pixel count does not match size")
        _ = image.resized(width: 7, height: 5)
    } catch {
        _ = error.description  // every error must describe itself without trapping
    }
    return 0
}

/// With FUZZ_SEED_DIR set, writes one file per decoder path (PNG colour types, bit depths,
/// interlacing; JPEG baseline, progressive, arithmetic, gray, CMYK, YCCK) as a starting corpus.
@_cdecl("LLVMFuzzerInitialize")
public func fuzzInitialize(_ argc: UnsafeMutablePointer<CInt>?, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?) -> CInt {
    guard let directory = ProcessInfo.processInfo.environment["FUZZ_SEED_DIR"] else { return 0 }
    try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    for (name, bytes) in seedFiles() {
        FileManager.default.createFile(atPath: directory + "/" + name, contents: Data(bytes))
    }
    return 0
}

func seedFiles() -> [(String, [UInt8])] {
    let width = 13, height = 9
    var rgb = [UInt8]()
    for i in 0..<(width * height) { rgb += [UInt8(i * 3 % 256), UInt8(i * 7 % 256), UInt8(i * 11 % 256)] }
    let image = RGBImage(width: width, height: height, pixels: rgb)
    var seeds: [(String, [UInt8])] = []
    if let png = try? encodePNG(image) { seeds.append(("rgb.png", png)) }
    if let jpeg = try? encodeJPEG(image) { seeds.append(("baseline.jpg", jpeg)) }
    if let jpeg = try? encodeJPEG(image, progressive: true) { seeds.append(("progressive.jpg", jpeg)) }

    func png(_ name: String, _ samples: [UInt8], colorType: Int32, bitDepth: Int32, interlaced: Bool = false,
             palette: [UInt8] = [], alpha: [UInt8] = []) {
        palette.withUnsafeBufferPointer { palette in
            alpha.withUnsafeBufferPointer { alpha in
                var options = fl_testing_png_options()
                options.color_type = colorType
                options.bit_depth = bitDepth
                options.interlaced = interlaced ? 1 : 0
                options.palette_rgb = palette.baseAddress
                options.palette_size = Int32(palette.count / 3)
                options.palette_alpha = alpha.baseAddress
                options.palette_alpha_count = Int32(alpha.count)
                if let bytes = try? encodeWithShim(format: .png, { out, message, capacity in
                    samples.withUnsafeBytes {
                        fl_testing_encode_png($0.baseAddress, Int32(width), Int32(height), &options, out, message, capacity)
                    }
                }) { seeds.append((name, bytes)) }
            }
        }
    }
    let count = width * height
    png("gray4.png", (0..<count).map { UInt8($0 % 16) }, colorType: 0, bitDepth: 4)
    png("gray-alpha.png", (0..<(2 * count)).map { UInt8($0 * 5 % 256) }, colorType: 4, bitDepth: 8)
    png("rgba-interlaced.png", (0..<(4 * count)).map { UInt8($0 * 13 % 256) }, colorType: 6, bitDepth: 8, interlaced: true)
    png("rgb16.png", (0..<(6 * count)).map { UInt8($0 * 17 % 256) }, colorType: 2, bitDepth: 16)
    png("palette2.png", (0..<count).map { UInt8($0 % 4) }, colorType: 3, bitDepth: 2,
        palette: [0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255], alpha: [0, 128])

    func jpeg(_ name: String, _ samples: [UInt8], _ space: fl_testing_jpeg_space, flags: Int32 = 0) {
        if let bytes = try? encodeWithShim(format: .jpeg, { out, message, capacity in
            samples.withUnsafeBufferPointer {
                fl_testing_encode_jpeg($0.baseAddress, Int32(width), Int32(height), space, 90, flags, out, message, capacity)
            }
        }) { seeds.append((name, bytes)) }
    }
    jpeg("gray.jpg", (0..<count).map { UInt8($0 % 256) }, FL_TESTING_JPEG_GRAY)
    jpeg("arithmetic.jpg", rgb, FL_TESTING_JPEG_YCBCR, flags: Int32(FL_TESTING_JPEG_ARITHMETIC))
    jpeg("cmyk.jpg", (0..<(4 * count)).map { UInt8($0 * 3 % 256) }, FL_TESTING_JPEG_CMYK)
    jpeg("ycck-progressive.jpg", (0..<(4 * count)).map { UInt8($0 * 3 % 256) }, FL_TESTING_JPEG_YCCK,
         flags: Int32(FL_TESTING_JPEG_PROGRESSIVE))
    return seeds
}
