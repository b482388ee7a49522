/// A device or module twin: desired and reported properties, plus tags when known.
///
/// Two JSON layouts:
/// - ``json``: `{"desired":{…,"$version":n},"reported":{…,"$version":m}}`, the body of a twin GET
///   response over MQTT (no tags);
/// - ``serviceJSON``: `{"tags":{…},"properties":{"desired":…,"reported":…}}`, the service (registry) layout.
/// ``init(json:)`` accepts both.
public struct Twin: Sendable, Hashable {
    /// The desired properties.
    public var desired: TwinProperties
    /// The reported properties.
    public var reported: TwinProperties
    /// The tags, when known (only the service layout carries them).
    public var tags: JSONObject?

    /// Creates a twin (by default empty, both sections at version 1).
    public init(desired: TwinProperties = TwinProperties(), reported: TwinProperties = TwinProperties(), tags: JSONObject? = nil) {
        self.desired = desired
        self.reported = reported
        self.tags = tags
    }

    /// Reads a twin in either layout (see the type documentation).
    public init(json: JSONValue) throws(TwinError) {
        guard let root = json.objectValue else {
            throw TwinError(code: .notAnObject, path: "", message: "twin must be a JSON object")
        }
        let sections: JSONObject
        let prefix: String
        if let properties = root["properties"] {
            guard let object = properties.objectValue else {
                throw TwinError(code: .notAnObject, path: "properties", message: "properties must be a JSON object")
            }
            sections = object
            prefix = "properties."
        } else {
            sections = root
            prefix = ""
        }
        guard let desired = sections["desired"] else {
            throw TwinError(code: .missingSection, path: prefix + "desired", message: "\(prefix)desired is missing")
        }
        guard let reported = sections["reported"] else {
            throw TwinError(code: .missingSection, path: prefix + "reported", message: "\(prefix)reported is missing")
        }
        var tags: JSONObject?
        if let tagsValue = root["tags"], !tagsValue.isNull {
            guard let object = tagsValue.objectValue else {
                throw TwinError(code: .notAnObject, path: "tags", message: "tags must be a JSON object")
            }
            tags = object
        }
        self.init(
            desired: try TwinProperties(json: desired, path: prefix + "desired"),
            reported: try TwinProperties(json: reported, path: prefix + "reported"),
            tags: tags)
    }

    /// The MQTT twin GET response body: `{"desired":…,"reported":…}` (tags are not included).
    public var json: JSONValue {
        ["desired": desired.json, "reported": reported.json]
    }

    /// The service layout: `{"tags":…,"properties":{"desired":…,"reported":…}}` (`tags` only when known).
    public var serviceJSON: JSONValue {
        var object = JSONObject()
        if let tags { object["tags"] = .object(tags) }
        object["properties"] = json
        return .object(object)
    }
}
