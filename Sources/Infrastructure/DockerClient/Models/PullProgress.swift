public import IoTHubProtocol

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
