import Foundation
import Testing
import Tensor
import NN
import TestSupport

@Suite struct SafetensorsFormatTests {
    @Test func roundTripKeepsNamesShapesValuesAndMetadata() throws {
        try withTemporaryDirectory { dir in
            var g = RandomGenerator(seed: 1)
            let tensors: [(String, Tensor)] = [
                ("z.weight", Tensor(normal: [3, 4], generator: &g)),
                ("a.bias", Tensor([1.5, -2.25], shape: [2])),
                ("scalar", Tensor(scalar: 42)),
                ("empty", Tensor(zeros: [0, 3])),
            ]
            let metadata = ["format": "pt", "note": "quote \" backslash \\ newline \n tab \t unicode é ✓ \u{01}"]
            let path = dir.appendingPathComponent("model.safetensors").path
            try Safetensors.write(tensors, metadata: metadata, to: path)
            let (read, readMetadata) = try Safetensors.read(path)
            #expect(readMetadata == metadata)
            #expect(Set(read.keys) == Set(tensors.map(\.0)))
            for (name, t) in tensors {
                #expect(read[name]?.shape == t.shape, "\(name)")
                #expect(read[name]?.scalars == t.scalars, "\(name)")
            }
            // No temporary file is left behind.
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["model.safetensors"])
        }
    }

    @Test func writesTheExactLayout() throws {
        try withTemporaryDirectory { dir in
            let path = dir.appendingPathComponent("x.safetensors").path
            try Safetensors.write([("b", Tensor([3, 4], shape: [2])), ("a", Tensor([1, 2], shape: [1, 2]))], to: path)
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
            let json = #"{"a":{"dtype":"F32","shape":[1,2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}"#
            let padded = json + String(repeating: " ", count: (8 - json.utf8.count % 8) % 8)
            #expect(Array(bytes[0..<8]) == littleEndianBytes(UInt64(padded.utf8.count)))
            #expect(padded.utf8.count % 8 == 0)
            #expect(String(decoding: bytes[8..<(8 + padded.utf8.count)], as: UTF8.self) == padded)
            // Data in sorted-name order: a then b.
            #expect(Array(bytes[(8 + padded.utf8.count)...]) == floatBytes([1, 2, 3, 4]))
        }
    }

    @Test func readsAHandAssembledFileWithEveryFloatType() throws {
        // F32 [2], F64 [1], F16 [5], BF16 [2, 1], listed out of offset order with spaces.
        let header = """
        { "half": {"dtype": "F16", "shape": [5], "data_offsets": [16, 26]},
          "__metadata__": {"epoch": "3"},
          "single": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
          "double": {"dtype": "F64", "shape": [1], "data_offsets": [8, 16]},
          "brain": {"dtype": "BF16", "shape": [2, 1], "data_offsets": [26, 30]} }
        """
        let half: [UInt16] = [0x3C00, 0xC000, 0x3800, 0x7BFF, 0x0001]  // 1, −2, 0.5, 65504, 2⁻²⁴
        let brain: [UInt16] = [0x3F80, 0xC040]  // 1, −3
        let data = floatBytes([0.25, -8]) + littleEndianBytes(Double(0.1).bitPattern)
            + half.flatMap(littleEndianBytes) + brain.flatMap(littleEndianBytes)
        let (tensors, metadata) = try Safetensors.decode(assembleFile(header: header, data: data), source: "hand.safetensors")
        #expect(metadata == ["epoch": "3"])
        #expect(tensors["single"]?.scalars == [0.25, -8])
        #expect(tensors["double"]?.scalars == [Float(0.1)])
        #expect(tensors["half"]?.scalars == [1, -2, 0.5, 65504, 0x1p-24])
        #expect(tensors["brain"]?.shape == [2, 1])
        #expect(tensors["brain"]?.scalars == [1, -3])
    }

    @Test func halfPrecisionSpecialValues() throws {
        let header = #"{"h":{"dtype":"F16","shape":[4],"data_offsets":[0,8]}}"#
        let half: [UInt16] = [0x7C00, 0xFC00, 0x8000, 0x03FF]  // +∞, −∞, −0, largest subnormal
        let h = try Safetensors.decode(assembleFile(header: header, data: half.flatMap(littleEndianBytes)), source: "h")
            .tensors["h"]!.scalars
        #expect(h[0] == .infinity && h[1] == -.infinity && h[2] == 0 && h[2].sign == .minus)
        #expect(h[3] == Float(1023) * 0x1p-24)
    }
}

@Suite struct SafetensorsErrorTests {
    private let goodHeader = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}"#
    private let goodData = floatBytes([1, 2, 3])

    private func decode(_ data: Data) throws { _ = try Safetensors.decode(data, source: "f.safetensors") }

    @Test func theValidFixtureReads() throws {
        try decode(assembleFile(header: goodHeader, data: goodData))
    }

    @Test func truncatedFiles() {
        let file = assembleFile(header: goodHeader, data: goodData)
        for cut in [3, 20, file.count - 1] {
            let error = #expect(throws: CheckpointError.self) { try decode(file.prefix(cut)) }
            guard case .truncated(let source, _) = error else { Issue.record("cut at \(cut): \(String(describing: error))"); continue }
            #expect(source == "f.safetensors")
        }
    }

    @Test func badJSONAndBadHeaders() {
        for header in [#"{"a": {"dtype": "F32", "#, "[1, 2]", #"{"__metadata__": {"k": 1}}"#] {
            let error = #expect(throws: CheckpointError.self) { try decode(assembleFile(header: header, data: [])) }
            guard case .invalidHeader = error else { Issue.record("\(header): \(String(describing: error))"); continue }
        }
        let huge = #expect(throws: CheckpointError.self) {
            try decode(assembleFile(header: "{}", data: [], declaredLength: 1 << 40))
        }
        guard case .invalidHeader = huge else { Issue.record("\(String(describing: huge))"); return }
    }

    @Test func malformedEntriesNameTheTensor() {
        let entries = [
            #"{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}"#,
            #"{"w":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}}"#,
            #"{"w":{"dtype":"F32","shape":[true],"data_offsets":[0,4]}}"#,
            #"{"w":{"dtype":"F32","shape":[1]}}"#,
            #"{"w":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}}"#,
            #"{"w":[1, 2]}"#,
        ]
        for header in entries {
            let error = #expect(throws: CheckpointError.self) { try decode(assembleFile(header: header, data: floatBytes([1]))) }
            guard case .invalidTensorEntry(_, "w", _) = error else { Issue.record("\(header): \(String(describing: error))"); continue }
        }
    }

    @Test func offsetsOutOfRange() {
        let header = #"{"w":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}"#
        let error = #expect(throws: CheckpointError.self) { try decode(assembleFile(header: header, data: floatBytes([1, 2]))) }
        #expect(error == .offsetsOutOfRange(source: "f.safetensors", tensor: "w", begin: 8, end: 16, dataBytes: 8))
        #expect(error?.description.contains("'w'") == true)
    }

    @Test func byteCountMustMatchShapeAndDType() {
        let header = #"{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#
        let error = #expect(throws: CheckpointError.self) { try decode(assembleFile(header: header, data: floatBytes([1, 2]))) }
        #expect(error == .byteCountMismatch(source: "f.safetensors", tensor: "w", shape: [3], dtype: "F32", expected: 12, actual: 8))
    }

    @Test func overlapGapAndTrailingBytes() {
        let overlap = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#
        let e1 = #expect(throws: CheckpointError.self) { try decode(assembleFile(header: overlap, data: floatBytes([1, 2, 3]))) }
        #expect(e1 == .overlappingTensors(source: "f.safetensors", first: "a", second: "b"))

        let gap = #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}"#
        let e2 = #expect(throws: CheckpointError.self) { try decode(assembleFile(header: gap, data: floatBytes([1, 2, 3]))) }
        guard case .invalidLayout = e2 else { Issue.record("gap: \(String(describing: e2))"); return }

        let e3 = #expect(throws: CheckpointError.self) { try decode(assembleFile(header: goodHeader, data: goodData + [0, 0, 0, 0])) }
        guard case .invalidLayout = e3 else { Issue.record("trailing: \(String(describing: e3))"); return }
    }

    @Test func unsupportedDType() {
        let header = #"{"ids":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}"#
        let error = #expect(throws: CheckpointError.self) { try decode(assembleFile(header: header, data: [UInt8](repeating: 0, count: 8))) }
        #expect(error == .unsupportedDType(source: "f.safetensors", tensor: "ids", dtype: "I64"))
    }

    @Test func fileErrors() throws {
        try withTemporaryDirectory { dir in
            let missing = dir.appendingPathComponent("missing.safetensors").path
            let e1 = #expect(throws: CheckpointError.self) { try Safetensors.read(missing) }
            #expect(e1 == .cannotRead(source: missing, reason: "no such file"))

            let nowhere = dir.appendingPathComponent("no/such/dir/x.safetensors").path
            let e2 = #expect(throws: CheckpointError.self) { try Safetensors.write([("a", Tensor(scalar: 1))], to: nowhere) }
            guard case .cannotWrite(nowhere, _) = e2 else { Issue.record("\(String(describing: e2))"); return }

            let path = dir.appendingPathComponent("x.safetensors").path
            let e3 = #expect(throws: CheckpointError.self) {
                try Safetensors.write([("a", Tensor(scalar: 1)), ("a", Tensor(scalar: 2))], to: path)
            }
            #expect(e3 == .duplicateTensor(source: path, tensor: "a"))
            #expect(throws: CheckpointError.self) { try Safetensors.write([("__metadata__", Tensor(scalar: 1))], to: path) }
            #expect(!FileManager.default.fileExists(atPath: path))
        }
    }
}
