import Foundation
import Testing
@testable import Lab
import Support

@Suite struct ConfigReferenceTests {
    @Test func committedReferenceMatchesTheSchema() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../docs/CONFIG.md").standardized.path
        let committed = try String(contentsOfFile: path, encoding: .utf8)
        #expect(committed == ConfigReference.markdown, "docs/CONFIG.md is stale: run `fusionlab validate --docs > docs/CONFIG.md`")
    }

    @Test func everyShippedConfigValidates() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Experiments").standardized.path
        let files = try FileManager.default.contentsOfDirectory(atPath: root).filter { $0.hasSuffix(".json") }
        #expect(!files.isEmpty)
        for f in files {
            let loaded = try ConfigLoader.loadAll(path: root + "/" + f, schema: ExperimentSchema.root)
            for (name, _) in loaded.resolved["variants"]?.objectPairs ?? [] { _ = try Study.variantConfig(loaded, name) }
        }
    }
}
