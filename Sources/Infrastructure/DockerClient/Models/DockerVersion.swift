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

/// `GET /info` (the fields edged and `iotedge check` read; everything in ``raw``).
public struct DockerSystemInfo: Sendable, Hashable {
    public var id: String?
    public var name: String?
    public var serverVersion: String?
    /// The storage driver, e.g. `overlay2` or `vfs`.
    public var driver: String?
    public var operatingSystem: String?
    public var osType: String?
    public var architecture: String?
    public var kernelVersion: String?
    public var cpus: Int?
    public var memoryTotal: Int64?
    public var containers: Int?
    public var containersRunning: Int?
    public var images: Int?
    public var dockerRootDir: String?
    public var raw: JSONValue

    public init(json: JSONValue) throws {
        try json.requireObject("/info answer")
        id = json.string("ID")
        name = json.string("Name")
        serverVersion = json.string("ServerVersion")
        driver = json.string("Driver")
        operatingSystem = json.string("OperatingSystem")
        osType = json.string("OSType")
        architecture = json.string("Architecture")
        kernelVersion = json.string("KernelVersion")
        cpus = json.int("NCPU").map { Int($0) }
        memoryTotal = json.int("MemTotal")
        containers = json.int("Containers").map { Int($0) }
        containersRunning = json.int("ContainersRunning").map { Int($0) }
        images = json.int("Images").map { Int($0) }
        dockerRootDir = json.string("DockerRootDir")
        raw = json
    }
}
