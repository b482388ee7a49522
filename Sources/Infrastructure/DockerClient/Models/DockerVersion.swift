public import IoTHubProtocol

/// `GET /version`.
public struct DockerVersion: Sendable, Hashable {
    /// The engine's version, e.g. `20.10.24+dfsg1`.
    public var version: String
    /// The newest API version the engine serves, e.g. `1.41`.
    public var apiVersion: String
    /// The oldest API version the engine serves.
    public var minAPIVersion: String?
    public var os: String?
    public var arch: String?
    public var kernelVersion: String?
    /// The whole answer.
    public var raw: JSONValue

    public init(json: JSONValue) throws {
        try json.requireObject("/version answer")
        version = try json.required("Version", in: "/version answer")
        apiVersion = try json.required("ApiVersion", in: "/version answer")
        minAPIVersion = json.string("MinAPIVersion")
        os = json.string("Os")
        arch = json.string("Arch")
        kernelVersion = json.string("KernelVersion")
        raw = json
    }
}
