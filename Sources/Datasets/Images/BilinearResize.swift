extension RGBImage {
    /// Bilinear resize with `align_corners=False` semantics, as PyTorch's
    /// `F.interpolate(mode: "bilinear", align_corners=False, antialias=False)`: output pixel
    /// centres map to source coordinates `(x + 0.5) * (inWidth / outWidth) - 0.5`, clamped to
    /// the image, and the two nearest source pixels per axis are blended. Computed in Float and
    /// rounded to nearest. Without antialiasing, shrinking by more than 2× skips source pixels
    /// (PIL and torchvision's antialiased resize widen the filter instead).
    public func resized(width newWidth: Int, height newHeight: Int) -> RGBImage {
        precondition(newWidth > 0 && newHeight > 0, "resize to \(newWidth) x \(newHeight)")
        precondition(width > 0 && height > 0, "resize of an empty \(width) x \(height) image")
        if newWidth == width && newHeight == height { return self }

        // Per output column: byte offsets of the two source pixels and the weight of the second.
        let columns = BilinearTaps(sourceSize: width, targetSize: newWidth)
        let rows = BilinearTaps(sourceSize: height, targetSize: newHeight)
        let sourceStride = width * 3, targetStride = newWidth * 3
        var output = [UInt8](repeating: 0, count: newWidth * newHeight * 3)

        pixels.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target in
                let src = source.baseAddress!, dst = target.baseAddress!
                for y in 0..<newHeight {
                    let row0 = src + rows.first[y] * sourceStride, row1 = src + rows.second[y] * sourceStride
                    let wy1 = rows.weight[y], wy0 = 1 - wy1
                    let out = dst + y * targetStride
                    for x in 0..<newWidth {
                        let a = columns.first[x] * 3, b = columns.second[x] * 3
                        let wx1 = columns.weight[x], wx0 = 1 - wx1
                        for c in 0..<3 {
                            let top = Float(row0[a + c]) * wx0 + Float(row0[b + c]) * wx1
                            let bottom = Float(row1[a + c]) * wx0 + Float(row1[b + c]) * wx1
                            let value = top * wy0 + bottom * wy1
                            out[x * 3 + c] = UInt8(min(value + 0.5, 255))
                        }
                    }
                }
            }
        }
        return RGBImage(width: newWidth, height: newHeight, pixels: output)
    }
}

/// Source indices and blend weights along one axis, as PyTorch computes them for
/// align_corners=False (`area_pixel_compute_source_index`).
struct BilinearTaps {
    var first: [Int]
    var second: [Int]
    var weight: [Float]  // weight of `second`; `first` gets 1 - weight

    init(sourceSize: Int, targetSize: Int) {
        let scale = Float(sourceSize) / Float(targetSize)
        first = []
        second = []
        weight = []
        first.reserveCapacity(targetSize)
        second.reserveCapacity(targetSize)
        weight.reserveCapacity(targetSize)
        for i in 0..<targetSize {
            let position = max((Float(i) + 0.5) * scale - 0.5, 0)
            let lower = min(Int(position), sourceSize - 1)
            let upper = min(lower + 1, sourceSize - 1)
            first.append(lower)
            second.append(upper)
            weight.append(upper == lower ? 0 : position - Float(lower))
        }
    }
}
