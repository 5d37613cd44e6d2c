/// Encodes a rendered picture with the image codecs (Images/ImageEncoding.swift).
func encodePicture(_ pixels: [UInt8], size: Int, format: PictureFormat, path: String) throws(ShopWriteError) -> [UInt8] {
    let image = RGBImage(width: size, height: size, pixels: pixels)
    do {
        switch format {
        case .png: return try encodePNG(image)
        case let .jpeg(quality, progressive): return try encodeJPEG(image, quality: quality, progressive: progressive)
        }
    } catch {
        throw .imageEncoding(path: path, reason: error.description)
    }
}
