/// One value that differs between two configs, by its dotted path; nil where the key is absent.
public struct JSONDifference: Sendable, Equatable, CustomStringConvertible {
    public var path: String
    public var old: String?
    public var new: String?

    public init(path: String, old: String?, new: String?) { self.path = path; self.old = old; self.new = new }

    public var description: String { "\(path): \(old ?? "(absent)") → \(new ?? "(absent)")" }
}

extension JSONValue {
    /// The leaves that differ from `self` (old) to `new`, in key order; arrays count as leaves.
    public func differences(to new: JSONValue, path: String = "") -> [JSONDifference] {
        func child(_ key: String) -> String { path.isEmpty ? key : path + "." + key }
        guard let oldPairs = objectPairs, let newPairs = new.objectPairs else {
            return self == new ? [] : [JSONDifference(path: path, old: oneLine, new: new.oneLine)]
        }
        var out: [JSONDifference] = []
        for (key, value) in oldPairs {
            if let other = new[key] { out += value.differences(to: other, path: child(key)) }
            else { out.append(JSONDifference(path: child(key), old: value.oneLine, new: nil)) }
        }
        for (key, value) in newPairs where self[key] == nil {
            out.append(JSONDifference(path: child(key), old: nil, new: value.oneLine))
        }
        return out
    }

    /// A short fingerprint of the value (64-bit FNV-1a of its rendering, in hex): equal values
    /// give equal fingerprints, so a saved state can tell whether it was made by this config.
    public var fingerprint: String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in rendered().utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
