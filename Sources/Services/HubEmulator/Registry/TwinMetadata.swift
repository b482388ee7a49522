import IoTHubProtocol

/// Maintains a twin section's `$metadata` as IoT Hub does: the section and every property (at every
/// level of nested objects) carry `$lastUpdated`, and in the desired section also `$lastUpdatedVersion`
/// (the desired `$version` that last wrote them). Arrays and scalars are leaves. A new section carries
/// only the section's `$lastUpdated`.
enum TwinMetadata {
    /// The metadata of a new, empty section.
    static func initial(time: String) -> JSONValue {
        ["$lastUpdated": .string(time)]
    }

    /// The metadata after `patch` (a merge patch without `$version`/`$metadata`) turned the section's
    /// properties into `properties`: the patched properties are stamped with `time` (and `version`),
    /// the others keep their old metadata, deleted ones lose it. For a full replacement pass the new
    /// properties as `patch`.
    static func updated(old: JSONValue?, patch: JSONObject, properties: JSONObject, time: String, version: Int64?) -> JSONValue {
        .object(node(old: old?.objectValue, patch: patch, value: properties, time: time, version: version))
    }

    private static func node(old: JSONObject?, patch: JSONObject, value: JSONObject, time: String, version: Int64?) -> JSONObject {
        var result = stamp(time: time, version: version)
        for (key, member) in value {
            if let patched = patch[key] {
                if case .object(let patchObject) = patched, case .object(let memberObject) = member {
                    result[key] = .object(
                        node(old: old?[key]?.objectValue, patch: patchObject, value: memberObject, time: time, version: version))
                } else {
                    result[key] = .object(stamp(time: time, version: version))
                }
            } else {
                result[key] = old?[key] ?? .object(stamp(time: time, version: version))
            }
        }
        return result
    }

    private static func stamp(time: String, version: Int64?) -> JSONObject {
        var object: JSONObject = ["$lastUpdated": .string(time)]
        if let version { object["$lastUpdatedVersion"] = .int(version) }
        return object
    }

    /// A merge patch that turns `old` into `new` for a device that applies patches: every member of
    /// `new`, and `null` for every member of `old` that `new` lacks (recursively where both are objects,
    /// since merging an object into an object does not remove members).
    static func replacementPatch(old: JSONObject, new: JSONObject) -> JSONObject {
        var patch = JSONObject()
        for (key, value) in new {
            if case .object(let newObject) = value, case .object(let oldObject)? = old[key] {
                patch[key] = .object(replacementPatch(old: oldObject, new: newObject))
            } else {
                patch[key] = value
            }
        }
        for key in old.keys where new[key] == nil {
            patch[key] = .null
        }
        return patch
    }
}
