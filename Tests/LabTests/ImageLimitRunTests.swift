import Foundation
import Testing
import Datasets
import Support
@testable import Lab

@Suite(.serialized) struct ImageLimitRunTests {
    @Test func dataImagesMaxPixelsReachesTheDecoder() throws {
        let config = try tinyConfig(scratchDirectory(), ["training.epochs=1", "data.images.missing=error", "data.images.max_pixels=100"])
        #expect(config.at("data.images.max_pixels")?.intValue == 100)
        #expect(try tinyConfig(scratchDirectory()).at("data.images.max_pixels")?.intValue == ImageLimits.defaultMaxPixels)
        do {
            _ = try ExperimentRunner(config: config, reporter: { _ in }).run(seed: 0, fold: nil, resume: false)
            Issue.record("expected the shop's pictures to exceed 100 pixels")
        } catch let error as ImageError {
            #expect(error.description.contains("pixels exceeds the limit of 100 (raise data.images.max_pixels"), "\(error)")
        }
    }
}
