import CImageCodecs
import Foundation
import Testing
import Datasets

/// Bad input is a thrown `ImageError` naming the file, never a crash or a silently grey image.
@Suite struct ImageErrorTests {
    let image = TestImages.pattern(width: 64, height: 48)

    /// Decodes the file and returns the error it must throw.
    func decodingError(_ bytes: [UInt8], named name: String, maxPixels: Int = ImageLimits.defaultMaxPixels) throws -> ImageError {
        let directory = try TestImages.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = try TestImages.write(bytes, named: name, in: directory)
        let error = try #require(throws: ImageError.self) { try decodeImage(atPath: path, maxPixels: maxPixels) }
        #expect(error.source?.path == path)
        #expect(error.description.hasPrefix("image at \(path): "))
        return error
    }

    @Test(arguments: [false, true])
    func truncatedJPEG(progressive: Bool) throws {
        let bytes = try encodeJPEG(image, quality: 90, progressive: progressive)
        let error = try decodingError(Array(bytes.prefix(bytes.count / 2)), named: "half.jpg")
        guard case let .truncated(_, format, detail) = error else { Issue.record("got \(error)"); return }
        #expect(format == .jpeg)
        #expect(detail == "Premature end of JPEG file")
        #expect(error.description.contains("truncated JPEG data (Premature end of JPEG file)"))
    }

    @Test func jpegCutInsideTheHeader() throws {
        let bytes = try encodeJPEG(image)
        let error = try decodingError(Array(bytes.prefix(40)), named: "header.jpg")
        guard case .truncated = error else { Issue.record("got \(error)"); return }
    }

    @Test func truncatedPNG() throws {
        let bytes = try encodePNG(image)
        let error = try decodingError(Array(bytes.prefix(bytes.count - 30)), named: "cut.png")
        guard case let .truncated(_, format, _) = error else { Issue.record("got \(error)"); return }
        #expect(format == .png)
    }

    /// Index of a PNG chunk's type field, e.g. "IDAT".
    static func chunkTypeOffset(_ type: String, in bytes: [UInt8]) -> Int? {
        let tag = Array(type.utf8)
        return (8..<(bytes.count - 4)).first { Array(bytes[$0..<($0 + 4)]) == tag }
    }

    @Test(arguments: ["IDAT", "IHDR"])
    func corruptedCRCIsAnError(chunk: String) throws {
        var bytes = try encodePNG(image)
        let type = try #require(Self.chunkTypeOffset(chunk, in: bytes))
        let length = bytes[(type - 4)..<type].reduce(0) { $0 << 8 | Int($1) }
        bytes[type + 4 + length + 3] ^= 0x5A  // last byte of the chunk's CRC
        let error = try decodingError(bytes, named: "crc.png")
        guard case let .corrupt(_, format, detail) = error else { Issue.record("got \(error)"); return }
        #expect(format == .png)
        #expect(detail.contains("CRC error"))
    }

    @Test func textFileNamedPNG() throws {
        let error = try decodingError(Array("hello, this is not an image\n".utf8), named: "fake.png")
        guard case let .unrecognizedFormat(_, hint) = error else { Issue.record("got \(error)"); return }
        #expect(hint == "looks like text, 28 bytes")
        #expect(error.description.hasSuffix(": not a PNG or JPEG (looks like text, 28 bytes)"))
    }

    @Test func otherFormatsAreNamed() throws {
        let gif = Array("GIF89a".utf8) + [1, 0, 1, 0, 0, 0, 0]
        guard case let .unrecognizedFormat(_, hint) = try decodingError(gif, named: "a.jpg") else {
            Issue.record("GIF not reported as unrecognised"); return
        }
        #expect(hint == "looks like a GIF image")
        guard case let .unrecognizedFormat(_, binaryHint) = try decodingError([0, 1, 2, 0xAB], named: "b.png") else {
            Issue.record("binary junk not reported as unrecognised"); return
        }
        #expect(binaryHint == "unrecognised binary data, 4 bytes")
    }

    @Test func emptyFile() throws {
        let error = try decodingError([], named: "empty.jpg")
        #expect(error == .emptyFile(error.source!))
        #expect(error.description.hasSuffix(": empty file (0 bytes)"))
        #expect(throws: ImageError.emptyFile(ImageSource())) { try decodeImage(data: [UInt8]()) }
    }

    @Test func missingFileAndDirectory() throws {
        let directory = try TestImages.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let missing = directory.appendingPathComponent("nope.png").path
        #expect(throws: ImageError.unreadableFile(ImageSource(path: missing), reason: "No such file or directory")) {
            try decodeImage(atPath: missing)
        }
        #expect(throws: ImageError.unreadableFile(ImageSource(path: directory.path), reason: "is a directory")) {
            try decodeImage(atPath: directory.path)
        }
    }

    @Test func pngHeaderBeyondThePixelLimit() throws {
        // A real PNG whose IHDR is rewritten (with a valid CRC) to claim 100000 × 100000.
        var bytes = try encodePNG(image)
        bytes.replaceSubrange(16..<24, with: TestImages.bigEndian32(100_000) + TestImages.bigEndian32(100_000))
        bytes.replaceSubrange(29..<33, with: TestImages.bigEndian32(TestImages.crc32(bytes[12..<29])))
        let error = try decodingError(bytes, named: "bomb.png")
        #expect(error == .tooLarge(error.source!, width: 100_000, height: 100_000, maxPixels: ImageLimits.defaultMaxPixels))
    }

    @Test func jpegHeaderBeyondThePixelLimit() throws {
        var bytes = try encodeJPEG(image)
        let frame = try #require((2..<(bytes.count - 1)).first { bytes[$0] == 0xFF && bytes[$0 + 1] == 0xC0 })
        // SOF0: marker, length (2), precision (1), height (2), width (2).
        bytes.replaceSubrange((frame + 5)..<(frame + 9), with: [0xFF, 0xDC, 0xFF, 0xDC])
        let error = try decodingError(bytes, named: "bomb.jpg")
        #expect(error == .tooLarge(error.source!, width: 65_500, height: 65_500, maxPixels: ImageLimits.defaultMaxPixels))
    }

    @Test func pixelLimitIsInclusive() throws {
        let small = TestImages.pattern(width: 64, height: 64)
        for bytes in [try encodePNG(small), try encodeJPEG(small)] {
            #expect(try decodeImage(data: bytes, maxPixels: 4096).width == 64)
            #expect(throws: ImageError.tooLarge(ImageSource(), width: 64, height: 64, maxPixels: 4095)) {
                try decodeImage(data: bytes, maxPixels: 4095)
            }
        }
    }

    @Test func itemAttributionInTheMessage() throws {
        let bytes = try encodeJPEG(image)
        let error = try #require(throws: ImageError.self) { try decodeImage(data: Array(bytes.prefix(600))) }
        let attributed = error.located(atPath: "images/i42.jpg").attributed(toItem: "i42")
        #expect(attributed.description
            == "image for item 'i42' at images/i42.jpg: truncated JPEG data (Premature end of JPEG file)")
        #expect(attributed.source == ImageSource(path: "images/i42.jpg", itemID: "i42"))
    }

    /// Cutting a file anywhere — inside the header, the pixel data, or just before the final
    /// marker/chunk — is reported as truncation, never decoded as a partly grey image.
    @Test func everyProperPrefixIsAnError() throws {
        let small = TestImages.pattern(width: 21, height: 13)
        let files: [(ImageFormat, [UInt8], magicLength: Int)] = [
            (.png, try encodePNG(small), 8), (.jpeg, try encodeJPEG(small), 3),
            (.jpeg, try encodeJPEG(small, progressive: true), 3),
        ]
        for (format, bytes, magicLength) in files {
            var misreported: [Int] = []
            for length in 0..<bytes.count {
                do {
                    _ = try decodeImage(data: Array(bytes.prefix(length)))
                    misreported.append(length)
                } catch {
                    switch error {
                    case .emptyFile where length == 0: break
                    case .unrecognizedFormat where length > 0 && length < magicLength: break
                    case let .truncated(_, truncatedFormat, _) where length >= magicLength && truncatedFormat == format: break
                    default: misreported.append(length)
                    }
                }
            }
            #expect(misreported.isEmpty, "\(format) prefixes not reported as truncated: \(misreported.prefix(10))")
            #expect(try decodeImage(data: bytes).width == 21)
        }
    }

    /// A small in-test fuzz: overwrite random bytes of valid files. Every outcome must be a
    /// decoded image of the declared size or an ImageError — never a crash.
    @Test func randomCorruptionNeverCrashes() throws {
        let small = TestImages.pattern(width: 24, height: 16)
        let originals = [try encodePNG(small), try encodeJPEG(small), try encodeJPEG(small, progressive: true)]
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15  // fixed seed: reproducible
        var decodedCount = 0, failedCount = 0
        for round in 0..<600 {
            var bytes = originals[round % originals.count]
            for _ in 0..<(1 + round % 4) {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                let position = 2 + Int((state >> 33) % UInt64(bytes.count - 2))
                bytes[position] = UInt8(truncatingIfNeeded: state >> 13)
            }
            do {
                let decoded = try decodeImage(data: bytes, maxPixels: 1 << 20)
                #expect(decoded.pixels.count == decoded.width * decoded.height * 3)
                // A corrupted header cannot talk the decoder past the pixel limit.
                #expect(decoded.width > 0 && decoded.height > 0 && decoded.width * decoded.height <= 1 << 20)
                decodedCount += 1
            } catch {
                failedCount += 1
            }
        }
        // Both outcomes occur, so both paths were exercised: corruption is noticed at least
        // sometimes, and some corrupted files (a flipped JPEG entropy byte) still decode.
        #expect(failedCount > 0, "no corruption was noticed")
        #expect(decodedCount > 0, "no corrupted file decoded: the success path went unchecked")
    }
}
