/// Switching a tagged object's `type` in a later layer (a derived file, `--set`, a variant)
/// starts that object anew for the new type: options it inherited from earlier layers that the
/// new type does not accept are dropped, with a note; options still valid for it are kept, and
/// options given in the same layer as the new type are checked as usual (an invalid one is an
/// error). So `--set model.encoders.sequence.type=gru` works on a config whose base set the
/// Transformer's `pooling: "mean"`, which GRU does not have.
extension ConfigType {
    /// `merged` (= `lower` with `upper` laid over it) less the inherited options a type switch
    /// invalidated; `notes` says which.
    public func droppingOptionsOfSwitchedTypes(lower: JSONValue?, upper: JSONValue?, merged: JSONValue, path: String = "",
                                               notes: inout [String]) -> JSONValue {
        switch self {
        case let .object(fields):
            guard var pairs = merged.objectPairs else { return merged }
            for k in pairs.indices {
                guard let field = fields.first(where: { $0.name == pairs[k].0 }) else { continue }
                pairs[k].1 = field.type.droppingOptionsOfSwitchedTypes(lower: lower?[field.name], upper: upper?[field.name], merged: pairs[k].1,
                                                                       path: Self.join(path, field.name), notes: &notes)
            }
            return .object(pairs)
        case let .optional(inner), let .checked(inner, _):
            return inner.droppingOptionsOfSwitchedTypes(lower: lower, upper: upper, merged: merged, path: path, notes: &notes)
        case let .map(inner):
            guard var pairs = merged.objectPairs else { return merged }
            for k in pairs.indices {
                pairs[k].1 = inner.droppingOptionsOfSwitchedTypes(lower: lower?[pairs[k].0], upper: upper?[pairs[k].0], merged: pairs[k].1,
                                                                  path: Self.join(path, pairs[k].0), notes: &notes)
            }
            return .object(pairs)
        case let .tagged(key, cases, defaultCase):
            guard let lower, lower.objectPairs != nil, let pairs = merged.objectPairs else { return merged }
            let oldTag = lower[key]?.stringValue ?? defaultCase, newTag = merged[key]?.stringValue ?? defaultCase
            guard oldTag != newTag, let active = cases.first(where: { $0.name == newTag }) else { return merged }
            var kept: [(String, JSONValue)] = [], dropped: [String] = []
            for (k, v) in pairs {
                let inherited = k != key && upper?[k] == nil
                let field = active.fields.first { $0.name == k }
                if inherited, field.map({ (try? $0.type.validate(v, path: "")) == nil }) ?? true {
                    dropped.append("\(k) = \(v.found)")
                } else {
                    kept.append((k, v))
                }
            }
            if !dropped.isEmpty {
                notes.append("\(path): switching \(key) from \(oldTag) to \(newTag) dropped the \(oldTag) option(s) \(newTag) does not accept: "
                             + dropped.joined(separator: ", "))
            }
            return .object(kept)
        default:
            return merged
        }
    }
}
