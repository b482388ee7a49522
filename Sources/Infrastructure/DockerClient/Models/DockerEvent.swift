public import IoTHubProtocol

/// One object of `GET /events`.
public struct DockerEvent: Sendable, Hashable {
    /// `container`, `image`, `network`, `volume`, `daemon`…
    public var type: String
    /// `create`, `start`, `die`, `destroy`, `pull`, `connect`… (for `exec_start` and `health_status` Docker appends
    /// `: details`).
    public var action: String
    /// The object's id (container id, image name, network id).
    public var actorID: String
    /// The object's attributes: for containers its labels, `name`, `image`, and `exitCode` on `die`.
    public var attributes: [String: String]
    /// `local` or `swarm`.
    public var scope: String?
    /// UNIX seconds.
    public var time: Int64
    /// UNIX nanoseconds.
    public var timeNano: Int64
    public var raw: JSONValue

    public init(json: JSONValue) throws {
        try json.requireObject("event")
        type = json.string("Type") ?? ""
        action = json.string("Action") ?? json.string("status") ?? ""
        let actor = json["Actor"] ?? .null
        actorID = actor.string("ID") ?? json.string("id") ?? ""
        attributes = actor.stringMap("Attributes")
        scope = json.string("scope")
        time = json.int("time") ?? 0
        timeNano = json.int("timeNano") ?? time * 1_000_000_000
        raw = json
    }
}
