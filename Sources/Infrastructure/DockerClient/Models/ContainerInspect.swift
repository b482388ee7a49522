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

/// One entry of `GET /containers/json`.
public struct ContainerSummary: Sendable, Hashable {
    public var id: String
    /// Names without Docker's leading `/`.
    public var names: [String]
    public var image: String
    public var imageID: String
    public var command: String
    /// UNIX seconds.
    public var created: Int64
    /// `created`, `running`, `exited`…
    public var state: String
    /// Human text such as `Up 3 minutes`.
    public var status: String
    public var labels: [String: String]
    public var raw: JSONValue

    public init(json: JSONValue) throws {
        try json.requireObject("container list entry")
        id = try json.required("Id", in: "container list entry")
        names = json.strings("Names").map { $0.hasPrefix("/") ? String($0.dropFirst()) : $0 }
        image = json.string("Image") ?? ""
        imageID = json.string("ImageID") ?? ""
        command = json.string("Command") ?? ""
        created = json.int("Created") ?? 0
        state = json.string("State") ?? ""
        status = json.string("Status") ?? ""
        labels = json.stringMap("Labels")
        raw = json
    }
}

/// `POST /containers/create`.
public struct ContainerCreateResult: Sendable, Hashable {
    public var id: String
    public var warnings: [String]
}

/// `POST /containers/{id}/wait`.
public struct ContainerWaitResult: Sendable, Hashable {
    /// The main process's exit status.
    public var statusCode: Int64
    /// Docker's error waiting, if any.
    public var errorMessage: String?
}

/// `GET /containers/{id}/top`: the processes of a container, as `ps` shows them.
public struct ContainerTop: Sendable, Hashable {
    public var titles: [String]
    public var processes: [[String]]

    public init(titles: [String], processes: [[String]]) {
        self.titles = titles
        self.processes = processes
    }

    public init(json: JSONValue) throws {
        guard let titles = json["Titles"]?.arrayValue else {
            throw DockerError(.invalidResponse, message: "Docker's top answer has no Titles: \(json.jsonString.prefix(300))")
        }
        guard let processes = json["Processes"]?.arrayValue else {
            throw DockerError(.invalidResponse, message: "Docker's top answer has no Processes: \(json.jsonString.prefix(300))")
        }
        self.titles = titles.compactMap(\.stringValue)
        self.processes = processes.map { $0.arrayValue?.compactMap(\.stringValue) ?? [] }
    }

    /// The host PIDs of the container's processes (the `PID` column). Throws when there is no such column or a
    /// value is not a number: an authorization check must not guess.
    public func pids() throws -> [Int32] {
        guard let column = titles.firstIndex(of: "PID") else {
            throw DockerError(.invalidResponse, message: "Docker's top answer has no PID column (titles: \(titles))")
        }
        return try processes.map { row in
            guard column < row.count, let pid = Int32(row[column]) else {
                throw DockerError(.invalidResponse, message: "Docker's top answer has a process without a numeric PID: \(row)")
            }
            return pid
        }
    }
}
