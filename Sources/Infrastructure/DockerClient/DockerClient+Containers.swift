public import IoTHubProtocol
import NIOHTTP1

extension DockerClient {
    /// `POST /containers/create?name=`: creates (does not start) a container from `body`, sent exactly as given.
    /// A name in use is ``DockerError/Code-swift.struct/conflict`` (409); a missing image ``DockerError/Code-swift.struct/notFound``.
    public func createContainer(name: String?, body: JSONObject, platform: String? = nil) async throws -> ContainerCreateResult {
        var query = DockerQuery()
        query.add("name", name)
        query.add("platform", platform)
        let response = try await call(.POST, "/containers/create", query, json: .object(body), expecting: [201])
        let json = try Self.parseJSON(response.body)
        return ContainerCreateResult(id: try json.required("Id", in: "create answer"), warnings: json.strings("Warnings"))
    }

    /// Creates a container from typed options over a base JSON object (see ``ContainerCreateOptions``).
    public func createContainer(name: String?, options: ContainerCreateOptions, platform: String? = nil) async throws -> ContainerCreateResult {
        try await createContainer(name: name, body: options.json, platform: platform)
    }

    /// `POST /containers/{id}/start`. Already running: ``DockerError/Code-swift.struct/notModified`` (304).
    public func startContainer(_ id: String) async throws {
        try Self.requireName(id, "container")
        _ = try await call(.POST, "/containers/\(DockerQuery.segment(id))/start", expecting: [204])
    }

    /// `POST /containers/{id}/stop?t=`: SIGTERM (or the image's stop signal), then SIGKILL after `timeout` seconds
    /// (`nil`: the container's own stop timeout, 10 s by default). Already stopped: ``DockerError/Code-swift.struct/notModified``.
    public func stopContainer(_ id: String, timeout: Int? = nil) async throws {
        try Self.requireName(id, "container")
        var query = DockerQuery()
        query.add("t", timeout)
        _ = try await call(
            .POST, "/containers/\(DockerQuery.segment(id))/stop", query, expecting: [204], extraHeadTimeout: .seconds(timeout ?? 10)
        )
    }

    /// `POST /containers/{id}/restart?t=`: stop (as ``stopContainer(_:timeout:)``) then start.
    public func restartContainer(_ id: String, timeout: Int? = nil) async throws {
        try Self.requireName(id, "container")
        var query = DockerQuery()
        query.add("t", timeout)
        _ = try await call(
            .POST, "/containers/\(DockerQuery.segment(id))/restart", query, expecting: [204], extraHeadTimeout: .seconds(timeout ?? 10)
        )
    }

    /// `POST /containers/{id}/kill?signal=`.
    public func killContainer(_ id: String, signal: String? = nil) async throws {
        try Self.requireName(id, "container")
        var query = DockerQuery()
        query.add("signal", signal)
        _ = try await call(.POST, "/containers/\(DockerQuery.segment(id))/kill", query, expecting: [204])
    }

    /// `DELETE /containers/{id}?force=&v=&link=`: `force` kills a running container first; `removeVolumes` removes
    /// its anonymous volumes.
    public func removeContainer(_ id: String, force: Bool = false, removeVolumes: Bool = false, removeLink: Bool = false) async throws {
        try Self.requireName(id, "container")
        var query = DockerQuery()
        query.add("v", removeVolumes)
        query.add("force", force)
        query.add("link", removeLink)
        _ = try await call(.DELETE, "/containers/\(DockerQuery.segment(id))", query, expecting: [204])
    }

    /// `GET /containers/{id}/json`.
    public func inspectContainer(_ id: String) async throws -> ContainerInspect {
        try Self.requireName(id, "container")
        return try ContainerInspect(json: try await getJSON("/containers/\(DockerQuery.segment(id))/json"))
    }

    /// `GET /containers/json?all=&filters=`: e.g. `filters: ["label": ["net.azure-devices.edge.owner=Microsoft.Azure.Devices.Edge.Agent"]]`.
    public func listContainers(all: Bool = false, filters: DockerFilters = [:]) async throws -> [ContainerSummary] {
        var query = DockerQuery()
        query.add("all", all)
        query.add("filters", filters)
        let json = try await getJSON("/containers/json", query)
        guard let entries = json.arrayValue else {
            throw DockerError(.invalidResponse, message: "Docker's container list is not an array: \(json.jsonString.prefix(300))")
        }
        return try entries.map(ContainerSummary.init(json:))
    }

    /// `GET /containers/{id}/top?ps_args=`: the container's processes (host PIDs in the `PID` column). A container
    /// that is not running is ``DockerError/Code-swift.struct/conflict``.
    public func topContainer(_ id: String, psArgs: String? = nil) async throws -> ContainerTop {
        try Self.requireName(id, "container")
        var query = DockerQuery()
        query.add("ps_args", psArgs)
        return try ContainerTop(json: try await getJSON("/containers/\(DockerQuery.segment(id))/top", query))
    }

    /// What ``waitContainer(_:condition:)`` waits for.
    public enum WaitCondition: String, Sendable {
        /// The container is not running (returns at once if it is not).
        case notRunning = "not-running"
        /// The next time it exits.
        case nextExit = "next-exit"
        /// It is removed.
        case removed
    }

    /// `POST /containers/{id}/wait?condition=`: waits (as long as it takes) and returns the exit status. Cancelling
    /// the task closes the connection and stops waiting.
    public func waitContainer(_ id: String, condition: WaitCondition = .notRunning) async throws -> ContainerWaitResult {
        try Self.requireName(id, "container")
        var query = DockerQuery()
        query.add("condition", condition.rawValue)
        let response = try await call(
            .POST, "/containers/\(DockerQuery.segment(id))/wait", query, expecting: [200], waitForHeadForever: true
        )
        let json = try Self.parseJSON(response.body)
        guard let code = json.int("StatusCode") else {
            throw DockerError(.invalidResponse, message: "Docker's wait answer has no StatusCode: \(json.jsonString.prefix(300))")
        }
        return ContainerWaitResult(statusCode: code, errorMessage: json["Error"]?.string("Message"))
    }
}
