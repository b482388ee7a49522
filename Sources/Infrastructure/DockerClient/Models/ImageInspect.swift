public import IoTHubProtocol

/// `GET /images/{name}/json`.
public struct ImageInspect: Sendable, Hashable {
    /// `sha256:…`
    public var id: String
    public var repoTags: [String]
    public var repoDigests: [String]
    public var created: String
    public var size: Int64
    public var architecture: String?
    public var os: String?
    /// `Config.Labels`.
    public var labels: [String: String]
    public var raw: JSONValue

    public init(json: JSONValue) throws {
        try json.requireObject("image inspect answer")
        id = try json.required("Id", in: "image inspect answer")
        repoTags = json.strings("RepoTags")
        repoDigests = json.strings("RepoDigests")
        created = json.string("Created") ?? ""
        size = json.int("Size") ?? 0
        architecture = json.string("Architecture")
        os = json.string("Os")
        labels = (json["Config"] ?? .null).stringMap("Labels")
        raw = json
    }
}
