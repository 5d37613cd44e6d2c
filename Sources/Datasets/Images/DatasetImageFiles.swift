import Foundation
import Support

/// The image files of a dataset's samples, each `image` path resolved inside the dataset folder
/// before anything is opened: an absolute path, `..` that escapes or a symlink to the outside
/// is an error naming the item — under every missing-image policy, since it is never a missing
/// picture but data pointing somewhere it must not.
public struct DatasetImageFiles: Sendable {
    public let root: ConfinedRoot
    /// The resolved file of each distinct relative path.
    private var resolved: [String: String] = [:]

    public init(folder: String, imagePaths: [String?], targetItems: [String]) throws(ImageError) {
        do { root = try ConfinedRoot(folder) } catch {
            throw .unreadableFile(ImageSource(path: folder), reason: "the dataset folder cannot be resolved (\(error.rule))")
        }
        for (i, relative) in imagePaths.enumerated() {
            guard let relative, resolved[relative] == nil else { continue }
            do { resolved[relative] = try root.resolve(relative) } catch {
                throw .outsideDataset(ImageSource(path: relative, itemID: targetItems[i]), rule: error.rule)
            }
        }
    }

    /// Decodes the image at `relative` (a path this value resolved), refusing a symlink swapped
    /// in since; errors name the relative path and the item.
    public func decode(_ relative: String, itemID: String, maxPixels: Int) throws(ImageError) -> RGBImage {
        guard let path = resolved[relative] else {
            throw .outsideDataset(ImageSource(path: relative, itemID: itemID), rule: "it was not among the dataset's resolved image paths")
        }
        do { return try decodeImage(atPath: path, maxPixels: maxPixels, itemID: itemID, followSymlinks: false) } catch {
            throw error.located(atPath: relative)
        }
    }
}
