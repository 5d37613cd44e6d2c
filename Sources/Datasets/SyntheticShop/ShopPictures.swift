import Foundation
import Tensor

/// How a picture is stored: half PNG, half JPEG at varied quality (a quarter progressive).
enum PictureFormat: Equatable, Sendable {
    case png
    case jpeg(quality: Int, progressive: Bool)

    var fileExtension: String { self == .png ? "png" : "jpg" }
}

/// One product picture file.
struct Picture: Sendable {
    let key: ImageKey
    /// Path relative to the dataset folder, as written in items.csv.
    let path: String
    let format: PictureFormat
    /// The stream the picture's format and pixels are drawn from.
    let streamPurpose: StreamPurpose
    let streamIndex: Int
}

/// Which pictures exist and which one each item shows. With one picture per item, picture j
/// is item j's (`images/i<j>.png|jpg`). With shared pictures, items with the same (shape,
/// palette, variant) share one file, named `images/p<k>` by a seeded shuffle so that names
/// carry no hint of the shape.
struct PicturePlan: Sendable {
    let pictures: [Picture]
    let pictureOfItem: [Int32]

    init(world: ShopWorld, config: ShopConfig) {
        func format(_ g: inout RandomGenerator) -> PictureFormat {
            g.bernoulli(0.5) ? .png : .jpeg(quality: 55 + g.nextInt(below: 41), progressive: g.bernoulli(0.25))
        }
        if config.sharedImageVariants == nil {
            pictures = world.items.indices.map { j in
                var g = RandomGenerator.stream(seed: config.seed, .itemImage, j)
                let f = format(&g)
                return Picture(key: world.items[j].image, path: "images/i\(j).\(f.fileExtension)", format: f,
                               streamPurpose: .itemImage, streamIndex: j)
            }
            pictureOfItem = world.items.indices.map { Int32($0) }
            return
        }
        let keys = Set(world.items.map(\.image)).sorted()
        var names = Array(keys.indices)
        var shuffle = RandomGenerator.stream(seed: config.seed, .imageNames)
        names.shuffle(using: &shuffle)
        let variants = config.sharedImageVariants!
        pictures = keys.enumerated().map { k, key in
            // Keyed by the picture's content, not its rank, so it stays put when items are added.
            let index = (key.shapeCategory * ShopVocabulary.brandCount + key.paletteBrand) * variants + key.variant
            var g = RandomGenerator.stream(seed: config.seed, .sharedImage, index)
            let f = format(&g)
            return Picture(key: key, path: "images/p\(names[k]).\(f.fileExtension)", format: f,
                           streamPurpose: .sharedImage, streamIndex: index)
        }
        let indexOfKey = Dictionary(uniqueKeysWithValues: keys.enumerated().map { ($0.element, Int32($0.offset)) })
        pictureOfItem = world.items.map { indexOfKey[$0.image]! }
    }

    /// The picture's RGB bytes at `size`×`size`.
    func render(_ picture: Picture, world: ShopWorld, seed: UInt64, size: Int) -> [UInt8] {
        let shared = picture.streamPurpose == .sharedImage ? 1 : 0
        var g = RandomGenerator.stream(seed: seed, .pixels, 2 * picture.streamIndex + shared)
        return ProductImageRenderer.render(shape: ShopVocabulary.categories[picture.key.shapeCategory].shape,
                                           brand: world.brands[picture.key.paletteBrand], size: size, &g)
    }
}
