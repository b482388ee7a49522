public import IoTHubProtocol

/// One entry of `GET /images/json`.
public struct ImageSummary: Sendable, Hashable {
    public var id: String
    public var repoTags: [String]
    public var repoDigests: [String]
    /// UNIX seconds.
    public var created: Int64
    public var size: Int64
    public var labels: [String: String]
    public var raw: JSONValue

    public init(json: JSONValue) throws {
        try json.requireObject("image list entry")
        id = try json.required("Id", in: "image list entry")
        repoTags = json.strings("RepoTags")
        repoDigests = json.strings("RepoDigests")
        created = json.int("Created") ?? 0
        size = json.int("Size") ?? 0
        labels = json.stringMap("Labels")
        raw = json
    }
}
