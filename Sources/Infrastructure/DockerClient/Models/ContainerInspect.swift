public import IoTHubProtocol

/// `GET /containers/{id}/json` (the fields the runtime reads; the whole answer in ``raw``, e.g. for a support bundle).
public struct ContainerInspect: Sendable, Hashable {
    public struct State: Sendable, Hashable {
        /// `created`, `running`, `paused`, `restarting`, `removing`, `exited` or `dead`.
        public var status: String
        public var running: Bool
        public var paused: Bool
        public var restarting: Bool
        public var oomKilled: Bool
        public var dead: Bool
        /// The main process's PID in the host's namespace (0 when not running).
        public var pid: Int64
        public var exitCode: Int64
        public var error: String
        /// RFC 3339; `0001-01-01T00:00:00Z` when never started.
        public var startedAt: String
        public var finishedAt: String
    }

    public struct Config: Sendable, Hashable {
        public var image: String
        public var labels: [String: String]
        public var env: [String]
        public var cmd: [String]
        public var entrypoint: [String]
        public var tty: Bool
        public var hostname: String?
    }

    public var id: String
    /// The name without Docker's leading `/`.
    public var name: String
    /// The image's id (`sha256:…`).
    public var image: String
    public var created: String
    public var restartCount: Int64
    public var state: State
    public var config: Config
    /// `HostConfig.NetworkMode`.
    public var networkMode: String?
    public var raw: JSONValue

    public init(json: JSONValue) throws {
        try json.requireObject("container inspect answer")
        id = try json.required("Id", in: "container inspect answer")
        var name = json.string("Name") ?? ""
        if name.hasPrefix("/") { name.removeFirst() }
        self.name = name
        image = json.string("Image") ?? ""
        created = json.string("Created") ?? ""
        restartCount = json.int("RestartCount") ?? 0
        let state = json["State"] ?? .null
        self.state = State(
            status: state.string("Status") ?? "",
            running: state.bool("Running") ?? false,
            paused: state.bool("Paused") ?? false,
            restarting: state.bool("Restarting") ?? false,
            oomKilled: state.bool("OOMKilled") ?? false,
            dead: state.bool("Dead") ?? false,
            pid: state.int("Pid") ?? 0,
            exitCode: state.int("ExitCode") ?? 0,
            error: state.string("Error") ?? "",
            startedAt: state.string("StartedAt") ?? "",
            finishedAt: state.string("FinishedAt") ?? ""
        )
        let config = json["Config"] ?? .null
        self.config = Config(
            image: config.string("Image") ?? "",
            labels: config.stringMap("Labels"),
            env: config.strings("Env"),
            cmd: config.strings("Cmd"),
            entrypoint: config.strings("Entrypoint"),
            tty: config.bool("Tty") ?? false,
            hostname: config.string("Hostname")
        )
        networkMode = json["HostConfig"]?.string("NetworkMode")
        raw = json
    }
}
