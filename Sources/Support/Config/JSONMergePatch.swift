/// JSON Merge Patch (RFC 7386), the one rule by which config layers combine: each base in
/// `extends` over the ones before it, the file over its bases, each `--set` and each variant
/// override over everything before it. A patch object merges into the target key by key,
/// recursively; `null` in the patch deletes the key (so the schema's default applies); anything
/// else — a number, a string, a boolean, an array — replaces the target's value. So an array is
/// never merged element by element, and `{}` laid over an object changes nothing.
extension JSONValue {
    /// `self` with `patch` applied: RFC 7386 §2 MergePatch(Target, Patch). The result holds no
    /// `null` object member the patch brought (a `null` inside an array is a value, and stays).
    public func mergePatched(with patch: JSONValue) -> JSONValue {
        guard let patchPairs = patch.objectPairs else { return patch }
        var pairs = objectPairs ?? []
        for (key, value) in patchPairs {
            let i = pairs.firstIndex { $0.0 == key }
            if value == .null {
                if let i { pairs.remove(at: i) }
            } else if let i {
                pairs[i].1 = pairs[i].1.mergePatched(with: value)
            } else {
                pairs.append((key, JSONValue.null.mergePatched(with: value)))
            }
        }
        return .object(pairs)
    }

    /// The merge patch that a `--set a.b=value` stands for: `{"a": {"b": value}}`.
    public static func patch(setting path: [String], to value: JSONValue) -> JSONValue {
        path.reversed().reduce(value) { inner, key in .object([(key, inner)]) }
    }
}
