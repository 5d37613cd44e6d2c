import Foundation
import Datasets

/// Colour statistics of each sample's target-item picture, decoded and resized to the run's
/// image size exactly as `ImageStore` does (bilinear), before normalisation, in [0, 1]:
/// per-channel mean and population standard deviation, and mean brightness (Rec. 601 luma).
/// A sample without an image, or whose image cannot be read under policy `mask`, gets empty fields.
enum ImageStatistics {
    static let names = ["image_mean_red", "image_mean_green", "image_mean_blue",
                        "image_std_red", "image_std_green", "image_std_blue", "image_brightness"]

    static func columns(folder: String, imagePaths: [String?], targetItems: [String], imageSize: Int,
                        policy: MissingImagePolicy, maxPixels: Int) throws -> [FeatureColumn] {
        let n = imagePaths.count
        let files = try DatasetImageFiles(folder: folder, imagePaths: imagePaths, targetItems: targetItems)
        var values = [[Double]](repeating: [Double](repeating: .nan, count: n), count: names.count)
        var statisticsOfPath: [String: [Double]] = [:], unreadable: Set<String> = []
        for i in 0..<n {
            guard let relative = imagePaths[i], !unreadable.contains(relative) else { continue }
            if statisticsOfPath[relative] == nil {
                do {
                    var image = try files.decode(relative, itemID: targetItems[i], maxPixels: maxPixels)
                    if image.width != imageSize || image.height != imageSize { image = image.resized(width: imageSize, height: imageSize) }
                    statisticsOfPath[relative] = statistics(image)
                } catch {
                    if policy == .error { throw error }
                    unreadable.insert(relative)
                    continue
                }
            }
            let stats = statisticsOfPath[relative]!
            for k in names.indices { values[k][i] = stats[k] }
        }
        return names.indices.map { FeatureColumn(names[$0], numbers: values[$0]) }
    }

    /// [mean r, g, b, std r, g, b, brightness] of an image, channels scaled to [0, 1].
    static func statistics(_ image: RGBImage) -> [Double] {
        var sum = SIMD3<Double>(repeating: 0), sumSquares = SIMD3<Double>(repeating: 0)
        image.pixels.withUnsafeBufferPointer { p in
            for k in 0..<image.pixelCount {
                let v = SIMD3<Double>(Double(p[3 * k]), Double(p[3 * k + 1]), Double(p[3 * k + 2])) / 255
                sum += v
                sumSquares += v * v
            }
        }
        let count = Double(max(image.pixelCount, 1))
        let mean = sum / count
        let variance = pointwiseMax(sumSquares / count - mean * mean, .zero)  // rounding can dip below 0
        let std = SIMD3<Double>(variance.x.squareRoot(), variance.y.squareRoot(), variance.z.squareRoot())
        let brightness = 0.299 * mean.x + 0.587 * mean.y + 0.114 * mean.z
        return [mean.x, mean.y, mean.z, std.x, std.y, std.z, brightness]
    }
}
