/// One config layer — a file's own keys, one `--set`, one variant override — laid over the
/// layers before it. Every layer goes through `applying(_:to:source:notes:)`, so files, the
/// command line and variants share one rule: JSON Merge Patch (`JSONValue.mergePatched(with:)`),
/// then the options a switched `type` no longer accepts are dropped
/// (`droppingOptionsOfSwitchedTypes`). Two spellings that merge patch reads differently from
/// what they look like get a note naming the source, the key's path and the value:
/// `{}` over a non-empty object (changes nothing; `null` removes it), and `null` for a field
/// whose default is on and that has an `off` value (`null` brings the default back).
extension ConfigType {
    /// `merged` with the layer `patch` from `source` (a file path or `--set a.b=v`) applied.
    public func applying(_ patch: JSONValue, to merged: JSONValue, source: String, notes: inout [String]) -> JSONValue {
        Self.noteMisleadingSpellings(patch, over: merged, type: self, path: "", source: source, notes: &notes)
        return droppingOptionsOfSwitchedTypes(lower: merged, upper: patch, merged: merged.mergePatched(with: patch), notes: &notes)
    }

    /// `type` is nil below a key the schema does not know (validation will name it).
    static func noteMisleadingSpellings(_ patch: JSONValue, over target: JSONValue?, type parent: ConfigType?, path: String, source: String,
                                        notes: inout [String]) {
        for (key, value) in patch.objectPairs ?? [] {
            let (type, field) = parent?.member(key, patch: patch, target: target) ?? (nil, nil)
            let here = Self.join(path, key), below = target?[key]
            switch value {
            case .null:
                if let field, let off = field.off, let defaultValue = field.defaultValue, defaultValue != off {
                    notes.append("\(source): \(here): null deletes the key under JSON Merge Patch, so its default \(defaultValue.oneLine) applies; "
                                 + "did you mean \(off.oneLine) (off)?")
                }
            case let .object(members) where members.isEmpty:
                if let pairs = below?.objectPairs, !pairs.isEmpty {
                    notes.append("\(source): \(here): {} over a non-empty object changes nothing under JSON Merge Patch; "
                                 + "did you mean null (remove it\(Self.afterRemoval(field, type)))?")
                }
            case .object:
                // Over a non-object, merge patch starts from {}: nothing below can be a no-op.
                noteMisleadingSpellings(value, over: below?.objectPairs != nil ? below : nil, type: type, path: here, source: source, notes: &notes)
            default:
                break
            }
        }
    }

    /// The type (and field, when the schema names one) of `key` inside a value of this type.
    /// A tagged object's options are looked up in the case the layers pick (the patch's `type`,
    /// else the target's, else the default), then in any case.
    func member(_ key: String, patch: JSONValue, target: JSONValue?) -> (ConfigType?, ConfigField?) {
        switch self {
        case let .object(fields):
            let field = fields.first { $0.name == key }
            return (field?.type, field)
        case let .optional(inner), let .checked(inner, _):
            return inner.member(key, patch: patch, target: target)
        case let .map(inner):
            return (inner, nil)
        case let .tagged(tagKey, cases, defaultCase):
            guard key != tagKey else { return (nil, nil) }
            let tag = patch[tagKey]?.stringValue ?? target?[tagKey]?.stringValue ?? defaultCase
            let field = cases.first { $0.name == tag }?.fields.first { $0.name == key }
                ?? cases.lazy.compactMap { c in c.fields.first { $0.name == key } }.first
            return (field?.type, field)
        default:
            return (nil, nil)
        }
    }

    /// ", default {}" — what removing a key gives, as far as the schema knows.
    static func afterRemoval(_ field: ConfigField?, _ type: ConfigType?) -> String {
        if let value = field?.defaultValue { return ", default \(value.oneLine)" }
        guard let type else { return "" }
        if ConfigDocs.isOptional(type) { return ", default null" }
        if ConfigDocs.isContainer(type) { return ", every key at its default" }
        return ""
    }
}
