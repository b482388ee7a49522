import IoTHubProtocol

/// The parts of a twin PATCH or PUT body the registry applies: `tags` and `properties.desired`
/// (without `$version`/`$metadata`), checked against IoT Hub's limits for property names and values.
struct TwinChange {
    /// The tags patch (or replacement); `nil` when the body has none (a PUT then replaces with `{}`).
    var tags: JSONObject?
    /// The desired patch (or replacement); `nil` as for ``tags``.
    var desired: JSONObject?
    /// Whether this is a PUT (replace) rather than a PATCH (merge).
    var replacing: Bool

    init(body: JSONValue, replacing: Bool) throws(HubError) {
        let fields = try JSONFields(body, path: "")
        self.replacing = replacing
        tags = try fields.object("tags")?.object
        if let properties = try fields.object("properties"), var desired = try properties.object("desired")?.object {
            desired.removeValue(forKey: "$version")
            desired.removeValue(forKey: "$metadata")
            self.desired = desired
        }
        if replacing {
            // A replacement has no deletions: nulls simply leave members out.
            tags = Self.withoutNulls(tags ?? JSONObject())
            desired = Self.withoutNulls(desired ?? JSONObject())
        }
        try Self.validate(tags, "tags")
        try Self.validate(desired, "properties.desired")
    }

    private static func withoutNulls(_ object: JSONObject) -> JSONObject {
        JSONValue.object(JSONObject()).merging(patch: .object(object)).objectValue ?? JSONObject()
    }

    private static func validate(_ object: JSONObject?, _ name: String) throws(HubError) {
        guard let object else { return }
        do {
            try ReportedPropertiesValidator().validate(.object(object))
        } catch {
            throw HubError(.argumentInvalid, "\(name): \(error.message)")
        }
    }
}
