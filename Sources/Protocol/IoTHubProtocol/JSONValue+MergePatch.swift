extension JSONValue {
    /// Applies an RFC 7386 JSON merge patch to this value and returns the result:
    /// - a non-object patch replaces the target;
    /// - an object patch turns a non-object target into `{}`, then for each member: `null` deletes the
    ///   key, anything else is merged recursively into the target's member (a new key is appended, an
    ///   existing key keeps its position).
    public func merging(patch: JSONValue) -> JSONValue {
        guard case .object(let patchObject) = patch else { return patch }
        var target = objectValue ?? JSONObject()
        for (key, value) in patchObject {
            if value.isNull {
                target.removeValue(forKey: key)
            } else {
                target[key] = (target[key] ?? .null).merging(patch: value)
            }
        }
        return .object(target)
    }

    /// Applies an RFC 7386 merge patch in place (see ``merging(patch:)``).
    public mutating func merge(patch: JSONValue) {
        self = merging(patch: patch)
    }
}
