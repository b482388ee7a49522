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

/// One line of `DELETE /images/{name}`'s answer.
public struct ImageDeleteItem: Sendable, Hashable {
    /// A reference that was removed (`name:tag` or `name@digest`).
    public var untagged: String?
    /// An image or layer id that was deleted.
    public var deleted: String?

    public init(untagged: String?, deleted: String?) {
        self.untagged = untagged
        self.deleted = deleted
    }
}

/// One object of an image pull's progress stream (`POST /images/create`).
public struct PullProgress: Sendable, Hashable {
    /// `Pulling from library/alpine`, `Downloading`, `Pull complete`, `Status: Downloaded newer image for …`…
    public var status: String
    /// The layer (or tag) the status is about.
    public var id: String?
    /// Docker's progress bar text.
    public var progress: String?
    public var current: Int64?
    public var total: Int64?
    public var raw: JSONValue

    public init(json: JSONValue) {
        status = json.string("status") ?? ""
        id = json.string("id")
        progress = json.string("progress")
        current = (json["progressDetail"] ?? .null).int("current")
        total = (json["progressDetail"] ?? .null).int("total")
        raw = json
    }
}
