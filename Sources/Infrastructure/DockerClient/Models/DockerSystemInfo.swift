public import IoTHubProtocol

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
