import Datasets

/// A run's images: decoded from the dataset folder (`ImageStore`), or read as `fusionlab
/// prepare` decoded them when the dataset came from a prepared cache.
struct RunImages {
    private let store: ImageStore?
    private let cached: CachedImages?

    init(dataset: PreparedDataset, options: ImageOptions) throws {
        if dataset.onDisk != nil {
            store = nil
            cached = try CachedImages(dataset: dataset)
            if let cached, cached.imageSize != options.size {
                throw CacheError.unsupported(cache: dataset.onDisk!.folder, reason: "its images are \(cached.imageSize)×\(cached.imageSize), data.images.size is \(options.size)")
            }
        } else {
            store = try ImageStore(dataset: dataset, imageSize: options.size, normalization: options.channelNormalization,
                                   policy: options.missingPolicy, maxPixels: options.maxPixels)
            cached = nil
        }
    }

    var provider: (any ImageProvider)? { store ?? cached }

    /// Samples whose image was missing or unreadable and got masked, with the reason.
    var masked: [(sample: Int, reason: String)] { store?.masked ?? cached?.masked ?? [] }
}
