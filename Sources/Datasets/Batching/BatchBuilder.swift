import Tensor

/// Provides each sample's normalised `[3, H, W]` image, decoded once per item.
public protocol ImageProvider: AnyObject {
    var imageSize: Int { get }
    /// Writes sample `i`'s image into `destination` (3·H·W floats) and returns true, or
    /// returns false when the sample has no usable image (its modality is then masked).
    func fill(sample i: Int, into destination: UnsafeMutablePointer<Float>) throws -> Bool
}

/// Gathers rows of a prepared dataset into `Batch`es of tensors.
public final class BatchBuilder {
    public let dataset: PreparedDataset
    public let images: (any ImageProvider)?

    public init(dataset: PreparedDataset, images: (any ImageProvider)?) {
        self.dataset = dataset
        self.images = images
    }

    /// The rows `samples`, with `extra`'s rows in the batch's extra-features slot when given.
    public func batch(_ samples: [Int], extra: SampleFeatures? = nil) throws -> Batch {
        let d = dataset, b = samples.count, length = d.sequence.maxLength
        var tokens: [String: IndexTensor] = [:]
        for field in d.sequence.tokenFields {
            var values = [Int32](repeating: 0, count: b * length)
            try values.withUnsafeMutableBufferPointer { try gather("sequence.tokens." + field.name, field.values, width: length, samples, into: $0.baseAddress!) }
            tokens[field.name] = IndexTensor(values, shape: [b, length])
        }
        let floatWidth = d.sequence.floatNames.count
        let floats = Tensor(zeros: [b, length, floatWidth])
        if floatWidth > 0 { try gather("sequence.floats", d.sequence.floats, width: length * floatWidth, samples, into: floats.pointer) }
        let padding = Tensor(ones: [b, length])
        let lengths = samples.map { d.sequence.lengths[$0] }
        for (r, n) in lengths.enumerated() { (padding.pointer + r * length).update(repeating: 0, count: Int(n)) }

        let modalities = Modality.allCases.count
        let mask = Tensor(zeros: [b, modalities])
        let pm = mask.pointer
        for (r, s) in samples.enumerated() { pm[r * modalities + Modality.sequence.index] = d.sequence.lengths[s] > 0 ? 1 : 0 }

        func tabular(_ t: TabularFeatures?, _ modality: Modality) throws -> (Tensor?, IndexTensor?) {
            guard let t else { return (nil, nil) }
            let w = t.floatWidth, c = t.categoricalSizes.count, name = modality == .profile ? "profile" : "attributes"
            let f = Tensor(zeros: [b, w])
            var cat = [Int32](repeating: 0, count: b * c)
            try gather(name + ".floats", t.floats, width: w, samples, into: f.pointer)
            try cat.withUnsafeMutableBufferPointer { try gather(name + ".categorical", t.categorical, width: c, samples, into: $0.baseAddress!) }
            for (r, s) in samples.enumerated() { pm[r * modalities + modality.index] = t.present[s] ? 1 : 0 }
            return (f, IndexTensor(cat, shape: [b, c]))
        }
        let (profileFloats, profileCategorical) = try tabular(d.profile, .profile)
        let (attributeFloats, attributeCategorical) = try tabular(d.attributes, .attributes)

        var imageTensor: Tensor?
        if let images {
            let size = images.imageSize, plane = 3 * size * size
            let t = Tensor(zeros: [b, 3, size, size])
            for (r, s) in samples.enumerated() where try images.fill(sample: s, into: t.pointer + r * plane) {
                pm[r * modalities + Modality.image.index] = 1
            }
            imageTensor = t
        }
        var batch = Batch(samples: samples, sequenceTokens: tokens, sequenceFloats: floats, sequencePadding: padding,
                     sequenceLengths: lengths, profileFloats: profileFloats, profileCategorical: profileCategorical,
                     attributeFloats: attributeFloats, attributeCategorical: attributeCategorical, images: imageTensor,
                     modalityMask: mask, labels: Tensor(samples.map { d.labels[$0] }, shape: [b]),
                     anomalyClasses: samples.map { d.anomalyClasses[$0] })
        if !d.sequence.floatMissing.isEmpty || d.onDisk?.has("sequence.float_missing") == true {
            let row = length * floatWidth
            var missing = [UInt8](repeating: 0, count: b * row)
            try missing.withUnsafeMutableBufferPointer { try gather("sequence.float_missing", d.sequence.floatMissing, width: row, samples, into: $0.baseAddress!) }
            batch.sequenceFloatMissing = missing
        }
        if let extra {
            let h = extra.width
            let values = Tensor(zeros: [b, h]), present = Tensor(zeros: [b, h])
            extra.values.withUnsafeBufferPointer { v in
                extra.present.withUnsafeBufferPointer { p in
                    for (r, s) in samples.enumerated() {
                        (values.pointer + r * h).update(from: v.baseAddress! + s * h, count: h)
                        (present.pointer + r * h).update(from: p.baseAddress! + s * h, count: h)
                    }
                }
            }
            batch.extraFeatures = values
            batch.extraPresent = present
        }
        return batch
    }

    /// Rows `samples` of a `[samples × width]` column into `destination`: from `memory`, or
    /// from the cache's column `name` when the dataset was read from one.
    private func gather<T>(_ name: String, _ memory: [T], width: Int, _ samples: [Int], into destination: UnsafeMutablePointer<T>) throws {
        guard width > 0 else { return }
        if let onDisk = dataset.onDisk {
            try onDisk.gather(name, samples: samples, into: UnsafeMutableRawPointer(destination))
            return
        }
        memory.withUnsafeBufferPointer { src in
            for (r, s) in samples.enumerated() { (destination + r * width).update(from: src.baseAddress! + s * width, count: width) }
        }
    }
}
