/// Where an image came from, for error messages: a file path and, once a loader knows it,
/// the dataset item it belongs to.
public struct ImageSource: Sendable, Hashable, CustomStringConvertible {
    public var path: String?
    public var itemID: String?

    public init(path: String? = nil, itemID: String? = nil) {
        self.path = path
        self.itemID = itemID
    }

    public var description: String {
        switch (itemID, path) {
        case let (item?, path?): "image for item '\(item)' at \(path)"
        case let (item?, nil): "image for item '\(item)'"
        case let (nil, path?): "image at \(path)"
        case (nil, nil): "image data"
        }
    }
}

public enum ImageFormat: String, Sendable, Hashable {
    case png = "PNG"
    case jpeg = "JPEG"
}

/// Why an image could not be read, decoded or encoded. Every case names the image, e.g.
/// "image for item 'i42' at images/i42.png: truncated JPEG data (Premature end of JPEG file)".
public enum ImageError: Error, CustomStringConvertible, Equatable {
    /// The file could not be opened or read (missing, a directory, no permission, I/O error).
    case unreadableFile(ImageSource, reason: String)
    /// The path leaves the dataset folder (absolute, `..`, or a symlink to the outside): never
    /// opened, whatever the missing-image policy.
    case outsideDataset(ImageSource, rule: String)
    case emptyFile(ImageSource)
    /// The magic bytes are neither PNG nor JPEG; `hint` says what the data looks like instead.
    case unrecognizedFormat(ImageSource, hint: String)
    /// The header declares more than `maxPixels` pixels; nothing was allocated.
    case tooLarge(ImageSource, width: Int, height: Int, maxPixels: Int)
    case truncated(ImageSource, format: ImageFormat, detail: String)
    case corrupt(ImageSource, format: ImageFormat, detail: String)
    /// A valid file in a variant the decoder does not convert (e.g. a 2-component JPEG).
    case unsupported(ImageSource, format: ImageFormat, detail: String)
    case outOfMemory(ImageSource, detail: String)
    /// Encoding refused its input (bad size or quality) or ran out of memory.
    case encodingFailed(format: ImageFormat, detail: String)

    /// The image the error is about (nil for encoding errors).
    public var source: ImageSource? {
        switch self {
        case let .unreadableFile(source, _), let .outsideDataset(source, _), let .emptyFile(source), let .unrecognizedFormat(source, _),
             let .tooLarge(source, _, _, _), let .truncated(source, _, _), let .corrupt(source, _, _),
             let .unsupported(source, _, _), let .outOfMemory(source, _):
            source
        case .encodingFailed:
            nil
        }
    }

    /// The same error, naming the dataset item the image belongs to.
    public func attributed(toItem itemID: String) -> ImageError {
        withSource { $0.itemID = itemID }
    }

    /// The same error, naming the file the bytes came from.
    public func located(atPath path: String) -> ImageError {
        withSource { $0.path = path }
    }

    private func withSource(_ change: (inout ImageSource) -> Void) -> ImageError {
        guard var source else { return self }
        change(&source)
        switch self {
        case let .unreadableFile(_, reason): return .unreadableFile(source, reason: reason)
        case let .outsideDataset(_, rule): return .outsideDataset(source, rule: rule)
        case .emptyFile: return .emptyFile(source)
        case let .unrecognizedFormat(_, hint): return .unrecognizedFormat(source, hint: hint)
        case let .tooLarge(_, width, height, maxPixels):
            return .tooLarge(source, width: width, height: height, maxPixels: maxPixels)
        case let .truncated(_, format, detail): return .truncated(source, format: format, detail: detail)
        case let .corrupt(_, format, detail): return .corrupt(source, format: format, detail: detail)
        case let .unsupported(_, format, detail): return .unsupported(source, format: format, detail: detail)
        case let .outOfMemory(_, detail): return .outOfMemory(source, detail: detail)
        case .encodingFailed: return self
        }
    }

    public var description: String {
        switch self {
        case let .unreadableFile(source, reason):
            "\(source): cannot read file (\(reason))"
        case let .outsideDataset(source, rule):
            "\(source): refused, \(rule); image paths must be relative and stay inside the dataset folder"
        case let .emptyFile(source):
            "\(source): empty file (0 bytes)"
        case let .unrecognizedFormat(source, hint):
            "\(source): not a PNG or JPEG (\(hint))"
        case let .tooLarge(source, width, height, maxPixels):
            "\(source): \(width) x \(height) = \(width * height) pixels exceeds the limit of \(maxPixels) "
                + "(raise data.images.max_pixels if the image is genuine)"
        case let .truncated(source, format, detail):
            "\(source): truncated \(format.rawValue) data (\(detail))"
        case let .corrupt(source, format, detail):
            "\(source): corrupt \(format.rawValue) data (\(detail))"
        case let .unsupported(source, format, detail):
            "\(source): unsupported \(format.rawValue) variant (\(detail))"
        case let .outOfMemory(source, detail):
            "\(source): out of memory (\(detail))"
        case let .encodingFailed(format, detail):
            "cannot encode \(format.rawValue): \(detail)"
        }
    }
}
