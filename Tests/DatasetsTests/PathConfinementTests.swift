import Foundation
import Testing
import Support
@testable import Datasets

/// Image paths from items.csv stay inside the dataset folder: checked on the resolved path, so
/// `..`, absolute paths and symlinks to the outside are all refused, under every policy.
@Suite struct PathConfinementTests {
    /// A dataset whose one item's image is `imagePath`, beside a folder `outside/` holding a
    /// valid PNG and a text file; `prepare` may add files (symlinks) before loading.
    func withImageDataset(_ imagePath: String, prepare: (_ dataset: String, _ outside: String) throws -> Void = { _, _ in },
                          afterLoading: (_ dataset: String, _ outside: String) throws -> Void = { _, _ in },
                          _ body: (PreparedDataset) throws -> Void) throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("fl-confine-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: base) }
        let dataset = base + "/shop", outside = base + "/outside"
        for folder in [dataset + "/images", outside] { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
        let png = Data(try encodePNG(RGBImage(width: 4, height: 4, red: 10, green: 20, blue: 30)))
        try png.write(to: URL(fileURLWithPath: outside + "/x.png"))
        try png.write(to: URL(fileURLWithPath: dataset + "/images/inside.png"))
        try "root:x:0:0:root:/root:/bin/bash\n".write(toFile: outside + "/passwd", atomically: true, encoding: .utf8)
        let files = [
            "events.csv": "user_id:token,timestamp:float,event_type:token,item_id:token\nu1,1,view,i1\n",
            "items.csv": "item_id:token,image:token\ni1,\(imagePath)\n",
            "labels.csv": "sample_id:token,user_id:token,label:float\ns1,u1,0\n",
        ]
        for (name, text) in files { try text.write(toFile: dataset + "/" + name, atomically: true, encoding: .utf8) }
        try prepare(dataset, outside)
        var options = DataOptions()
        options.fractions = SplitFractions(train: 1.0 / 3, valid: 1.0 / 3, test: 1.0 / 3)
        let prepared = try PreparedDataset.prepare(try RawDataset.load(folder: dataset), options: options)
        try afterLoading(dataset, outside)
        try body(prepared)
    }

    /// The loader's refusal of `imagePath` in items.csv (nil if it loaded).
    func loadRefusal(_ imagePath: String, prepare: (String, String) throws -> Void = { _, _ in }) throws -> DatasetError? {
        do { try withImageDataset(imagePath, prepare: prepare) { _ in } } catch let error as DatasetError { return error }
        return nil
    }

    func expectRefused(_ imagePath: String, rule: String, prepare: (String, String) throws -> Void = { _, _ in }) throws {
        let error = try #require(try loadRefusal(imagePath, prepare: prepare), "\(imagePath) was accepted")
        guard case let .csv(file, line, column, message) = error else { Issue.record("got \(error)"); return }
        #expect(file == "items.csv" && line == 2 && column == 2)
        #expect(message.hasPrefix("image \"\(imagePath)\" is refused: ") && message.contains(rule), "\(message)")
        #expect(message.hasSuffix("; image paths must be relative and stay inside the dataset folder"))
        #expect(!message.contains("root:"))
    }

    @Test func dotDotThatEscapesIsRefusedWhereItIsWritten() throws {
        try expectRefused("../outside/x.png", rule: "its \"..\" segments lead out of the folder")
    }

    @Test func systemFileIsNeverReadNorQuoted() throws {
        try expectRefused("../../../../../../../../etc/passwd", rule: "its \"..\" segments lead out of the folder")
    }

    @Test func absolutePathIsRefused() throws {
        try expectRefused("/etc/passwd", rule: "it is absolute")
    }

    @Test func symlinkToTheOutsideIsRefused() throws {
        try expectRefused("images/link.png", rule: "it resolves through a symbolic link to ") { dataset, outside in
            try FileManager.default.createSymbolicLink(atPath: dataset + "/images/link.png", withDestinationPath: outside + "/x.png")
        }
    }

    @Test func symlinkedFolderToTheOutsideIsRefused() throws {
        try expectRefused("pics/x.png", rule: "outside the folder") { dataset, outside in
            try FileManager.default.createSymbolicLink(atPath: dataset + "/pics", withDestinationPath: outside)
        }
    }

    /// A symlink swapped in after loading is refused again when the images are resolved, under
    /// every missing-image policy (the loader's check is not the only one).
    @Test(arguments: MissingImagePolicy.allCases)
    func aSymlinkSwappedInAfterLoadingIsRefusedByTheImageStore(policy: MissingImagePolicy) throws {
        var caught: ImageError?
        try withImageDataset("images/link.png", prepare: { dataset, _ in
            try FileManager.default.createSymbolicLink(atPath: dataset + "/images/link.png", withDestinationPath: dataset + "/images/inside.png")
        }, afterLoading: { dataset, outside in
            try FileManager.default.removeItem(atPath: dataset + "/images/link.png")
            try FileManager.default.createSymbolicLink(atPath: dataset + "/images/link.png", withDestinationPath: outside + "/passwd")
        }) { d in
            do { _ = try ImageStore(dataset: d, imageSize: 2, policy: policy) } catch let error as ImageError { caught = error }
        }
        let error = try #require(caught)
        guard case let .outsideDataset(source, rule) = error else { Issue.record("got \(error)"); return }
        #expect(source.itemID == "i1" && source.path == "images/link.png" && rule.hasPrefix("it resolves through a symbolic link to "))
        #expect(error.description.hasPrefix("image for item 'i1' at images/link.png: refused") && !error.description.contains("root:"), "\(error)")
    }

    @Test(arguments: ["images/inside.png", "images/../images/inside.png", "./images/inside.png", "images/alias.png"])
    func pathsThatStayInsideAreRead(path: String) throws {
        try withImageDataset(path, prepare: { dataset, _ in
            // A symlink whose target is inside the folder is fine.
            try FileManager.default.createSymbolicLink(atPath: dataset + "/images/alias.png", withDestinationPath: dataset + "/images/inside.png")
        }) { d in
            let store = try ImageStore(dataset: d, imageSize: 2, normalization: .unitRange, policy: .error)
            let batch = try BatchBuilder(dataset: d, images: store).batch([0])
            #expect(Swift.abs(batch.images![0, 0, 0, 0] - 10 / 255) < 1e-6)
        }
    }

    @Test func aMissingFileInsideIsAMissingImageNotARefusal() throws {
        try withImageDataset("images/absent.png") { d in
            let store = try ImageStore(dataset: d, imageSize: 2, policy: .mask)
            _ = try BatchBuilder(dataset: d, images: store).batch([0])
            #expect(store.masked.count == 1 && store.masked[0].reason.contains("images/absent.png: cannot read file"), "\(store.masked)")
        }
    }

    @Test func confinedRootResolvesLexicallyAndReally() throws {
        let root = try ConfinedRoot(FileManager.default.temporaryDirectory.path)
        #expect(try root.resolve("a/../b") == root.realPath + "/a/../b")  // absent: joined lexically, stays inside
        for bad in ["", "/x", "..", "a/../../b", "a/\u{0}b"] {
            #expect(throws: PathConfinementError.self, "\(bad)") { try root.resolve(bad) }
        }
    }

    @Test func textFilesAreDescribedWithoutQuotingThem() throws {
        let secret = Array("root:x:0:0:root:/root:/bin/bash\n".utf8)
        let hint = secret.withUnsafeBytes { describeUnrecognizedBytes($0) }
        #expect(hint == "looks like text, 32 bytes")
        let html = Array("<!DOCTYPE html><html><body>404</body></html>".utf8)
        #expect(html.withUnsafeBytes { describeUnrecognizedBytes($0) } == "looks like an HTML page, 44 bytes")
    }
}
