import Datasets

/// `data.images`, decoded once.
public struct ImageOptions: Codable, Sendable, Hashable {
    public var size: Int
    public var missing: String
    public var normalization: String
    public var maxPixels: Int

    public var missingPolicy: MissingImagePolicy { MissingImagePolicy(rawValue: missing)! }
    public var channelNormalization: ChannelNormalization { normalization == "unit" ? .unitRange : .imageNet }
}
