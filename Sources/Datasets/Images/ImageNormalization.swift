import Tensor

/// Per-channel normalisation of 8-bit RGB: value = (byte / 255 - mean[c]) / std[c], the same
/// float32 arithmetic as torchvision's `ToTensor()` followed by `Normalize(mean, std)`.
public struct ChannelNormalization: Sendable, Equatable {
    public var mean: SIMD3<Float>
    public var std: SIMD3<Float>

    public init(mean: SIMD3<Float>, std: SIMD3<Float>) {
        precondition(std.min() > 0, "standard deviations must be positive, got \(std)")
        self.mean = mean
        self.std = std
    }

    /// The ImageNet statistics pretrained vision backbones expect.
    public static let imageNet = ChannelNormalization(mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225])
    /// Plain scaling to [0, 1].
    public static let unitRange = ChannelNormalization(mean: [0, 0, 0], std: [1, 1, 1])

    /// The 256 possible outputs for each channel, so conversion is a table lookup per byte.
    func lookupTable() -> [Float] {
        var table = [Float](repeating: 0, count: 3 * 256)
        for c in 0..<3 {
            for v in 0..<256 { table[c * 256 + v] = (Float(v) / 255 - mean[c]) / std[c] }
        }
        return table
    }
}

extension RGBImage {
    /// Writes the normalised image as CHW floats into `destination` (3 × height × width
    /// values: all red, then all green, then all blue), e.g. one slot of a batch tensor.
    public func writeNormalizedCHW(to destination: UnsafeMutablePointer<Float>,
                                   normalization: ChannelNormalization = .imageNet) {
        normalization.lookupTable().withUnsafeBufferPointer { table in
            writeNormalizedCHW(to: destination, table: table.baseAddress!)
        }
    }

    func writeNormalizedCHW(to destination: UnsafeMutablePointer<Float>, table: UnsafePointer<Float>) {
        let plane = pixelCount
        let red = destination, green = destination + plane, blue = destination + 2 * plane
        let redTable = table, greenTable = table + 256, blueTable = table + 512
        pixels.withUnsafeBufferPointer { source in
            let p = source.baseAddress!
            for i in 0..<plane {
                red[i] = redTable[Int(p[3 * i])]
                green[i] = greenTable[Int(p[3 * i + 1])]
                blue[i] = blueTable[Int(p[3 * i + 2])]
            }
        }
    }

    /// The normalised image as a `[3, height, width]` tensor.
    public func normalizedTensor(normalization: ChannelNormalization = .imageNet) -> Tensor {
        let tensor = Tensor(uninitializedShape: [3, height, width])
        writeNormalizedCHW(to: tensor.pointer, normalization: normalization)
        return tensor
    }
}

/// Same-sized images as one normalised `[count, 3, height, width]` tensor, filled in place.
public func normalizedBatch(_ images: [RGBImage], normalization: ChannelNormalization = .imageNet) -> Tensor {
    precondition(!images.isEmpty, "normalizedBatch of no images")
    let width = images[0].width, height = images[0].height
    precondition(images.allSatisfy { $0.width == width && $0.height == height },
                 "normalizedBatch needs images of one size; first is \(width) x \(height)")
    let batch = Tensor(uninitializedShape: [images.count, 3, height, width])
    let imageSize = 3 * width * height
    let table = normalization.lookupTable()
    let base = batch.pointer
    table.withUnsafeBufferPointer { table in
        let lookup = table.baseAddress!
        parallelChunks(images.count, minimumPerThread: max(1, 65_536 / max(imageSize, 1))) { start, end in
            for i in start..<end { images[i].writeNormalizedCHW(to: base + i * imageSize, table: lookup) }
        }
    }
    return batch
}
