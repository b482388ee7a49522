import DockerClient
public import Foundation
import IoTHubProtocol
public import Logging
import NIOCore
import NIOHTTP1
public import UnixSocketHTTP

/// The management API (§2) on edged's management socket: modules, identities, system information and
/// reprovisioning, with the reference's paths, versions, status codes and caller checks.
///
/// Caller checks: the reference's edgeAgent-only routes (module create, update, delete, prepareupdate, identity
/// create, update, delete, reprovision) need the caller's pid to be in the agent's container. Module start, stop and
/// restart, which the reference leaves open, refuse callers inside any *other* module container (a module cannot stop
/// its neighbours); host processes such as the `iotedge` CLI keep them. The agent is `[agent].name`, not the
/// reference's hard-coded `edgeAgent` (the same for default settings).
public struct ManagementAPI: Sendable {
    public let runtime: ModuleRuntime
    public let identities: IdentityClient
    public let callers: any ModuleCallerLookup
    public let agentName: String
    public let system: SystemInformation
    public let logger: Logger
    /// Called after `POST /device/reprovision` answered (the daemon then stops and reprovisions).
    public let onReprovision: @Sendable () async -> Void
    /// The clock for logs and support bundle times given as durations (`since=1 day`).
    public let now: @Sendable () -> Date

    public init(
        runtime: ModuleRuntime,
        identities: IdentityClient,
        callers: any ModuleCallerLookup,
        agentName: String,
        system: SystemInformation,
        logger: Logger,
        onReprovision: @escaping @Sendable () async -> Void = {},
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.runtime = runtime
        self.identities = identities
        self.callers = callers
        self.agentName = agentName
        self.system = system
        self.logger = logger
        self.onReprovision = onReprovision
        self.now = now
    }

    /// The routes, in the reference's match order.
    public var router: HTTPRouter {
        typealias V = EdgeletAPIVersion
        var routes: [HTTPRoute] = []
        func add(_ method: HTTPMethod, _ path: PathPattern, _ since: APIVersion, _ handler: @escaping HTTPRoute.Handler) {
            routes.append(HTTPRoute(method, path, since: since, handler: handler))
        }
        add(.GET, "/modules", V.v2018_06_28) { _ in jsonResponse(try await runtime.list()) }
        add(.POST, "/modules", V.v2018_06_28) { request in try await createModule(request) }
        add(.GET, "/modules/{name}", V.v2018_06_28) { request in try await getModule(request) }
        add(.PUT, "/modules/{name}", V.v2018_06_28) { request in try await updateModule(request) }
        add(.DELETE, "/modules/{name}", V.v2018_06_28) { request in try await deleteModule(request) }
        add(.GET, "/modules/{name}/logs", V.v2018_06_28) { request in try await logs(request) }
        add(.POST, "/modules/{name}/prepareupdate", V.v2019_01_30) { request in try await prepareUpdate(request) }
        for method in [HTTPMethod.POST, .GET, .PUT, .DELETE] {
            add(method, "/modules/{name}/{action}", V.v2018_06_28) { request in try await moduleAction(request) }
        }
        add(.GET, "/identities", V.v2018_06_28) { _ in try await listIdentities() }
        add(.POST, "/identities", V.v2018_06_28) { request in try await createIdentity(request) }
        add(.PUT, "/identities/{moduleId}", V.v2018_06_28) { request in try await updateIdentity(request) }
        add(.DELETE, "/identities/{moduleId}", V.v2018_06_28) { request in try await deleteIdentity(request) }
        add(.GET, "/systeminfo", V.v2018_06_28) { _ in
            let serverVersion = try? await runtime.docker.version().version
            return jsonResponse(system.systemInfo(dockerServerVersion: serverVersion))
        }
        add(.GET, "/systeminfo/resources", V.v2019_11_05) { _ in jsonResponse(system.resources(dockerStats: try await runtime.stats())) }
        add(.GET, "/systeminfo/supportbundle", V.v2020_07_07) { request in try await supportBundle(request) }
        add(.POST, "/device/reprovision", V.v2019_10_22) { request in
            try await requireAgent(request)
            Task { await onReprovision() }
            return .noContent
        }
        return HTTPRouter(routes: routes, knownVersions: Set(V.all))
    }

    // MARK: Modules

    /// The module name of the path, without leading `/`s (as the reference strips them).
    private func moduleName(_ request: HTTPServerRequest) throws(HTTPError) -> String {
        let name = String((request.parameters["name"] ?? "").drop { $0 == "/" })
        guard !name.isEmpty else { throw HTTPError.notFound }
        return name
    }

    private func createModule(_ request: HTTPServerRequest) async throws -> HTTPServerResponse {
        try await requireAgent(request)
        let spec = try ModuleSpec(json: try request.requiredJSONBody())
        try await runtime.create(spec)
        return jsonResponse(ModuleDetails.echo(spec, status: .stopped), status: .created)
    }

    private func getModule(_ request: HTTPServerRequest) async throws -> HTTPServerResponse {
        let container = try await runtime.inspect(try moduleName(request))
        return jsonResponse(ModuleDetails.from(container))
    }

    private func updateModule(_ request: HTTPServerRequest) async throws -> HTTPServerResponse {
        try await requireAgent(request)
        let name = try moduleName(request)
        var start = false
        switch request.query["start"] {
        case nil, "false": start = false
        case "true": start = true
        default: throw HTTPError(.badRequest, "invalid parameter: start")
        }
        let spec = try ModuleSpec(json: try request.requiredJSONBody())
        guard spec.name == name else {
            throw HTTPError(.badRequest, "the module name in the body (\(spec.name)) is not the one in the path (\(name))")
        }
        if name == agentName {
            // The caller is the container being replaced: answer first, update in the background (the watchdog
            // repairs a failed update).
            let runtime = self.runtime
            let logger = self.logger
            Task {
                do {
                    try await runtime.update(spec, start: true)
                    logger.info("Updated \(name)")
                } catch {
                    logger.error("Could not update \(name): \(error)")
                }
            }
            return jsonResponse(ModuleDetails.echo(spec, status: .running), status: .created)
        }
        try await runtime.update(spec, start: start)
        return jsonResponse(ModuleDetails.echo(spec, status: start ? .running : .stopped), status: .created)
    }

    private func deleteModule(_ request: HTTPServerRequest) async throws -> HTTPServerResponse {
        try await requireAgent(request)
        try await runtime.remove(try moduleName(request))
        return .noContent
    }

    private func moduleAction(_ request: HTTPServerRequest) async throws -> HTTPServerResponse {
        let name = try moduleName(request)
        let action = (request.parameters["action"] ?? "").lowercased()
        switch action {
        case "start", "stop", "restart":
            guard request.method == .POST else { throw HTTPError.methodNotAllowed }
        case "logs":
            // The path exists with another method.
            throw HTTPError.methodNotAllowed
        case "prepareupdate":
            // Below its version the path does not exist; from it on, only with another method.
            guard let version = request.apiVersion, version >= EdgeletAPIVersion.v2019_01_30 else { throw HTTPError.notFound }
            throw HTTPError.methodNotAllowed
        default:
            throw HTTPError.notFound
        }
        if let caller = await callers.moduleContainer(ofProcess: request.peer.pid), caller != agentName {
            logger.warning("Module \(caller) may not \(action) module \(name)")
            throw HTTPError(.forbidden, "forbidden")
        }
        switch action {
        case "start": try await runtime.start(name)
        case "stop": try await runtime.stop(name)
        default: try await runtime.restart(name)
        }
        return .noContent
    }

    /// Docker's log body passed on as it arrives (chunked), followed or not; a client that goes away stops the
    /// Docker stream.
    private func logs(_ request: HTTPServerRequest) async throws -> HTTPServerResponse {
        let name = try moduleName(request)
        let query = try LogsQuery(query: request.query, now: now())
        let body = try await runtime.logStream(name, query)
        return .stream(status: .ok, headers: ["Content-Type": "text/plain"], chunks: body)
    }

    private func prepareUpdate(_ request: HTTPServerRequest) async throws -> HTTPServerResponse {
        try await requireAgent(request)
        let name = try moduleName(request)
        let spec = try ModuleSpec(json: try request.requiredJSONBody())
        guard spec.name == name else {
            throw HTTPError(.badRequest, "the module name in the body (\(spec.name)) is not the one in the path (\(name))")
        }
        try await runtime.prepareUpdate(spec)
        return .noContent
    }

    /// `?since=&until=&iothub_hostname=&edge_runtime_only=`: an `application/zip` body (no misleading
    /// `Content-Encoding: deflate`, which the reference adds).
    private func supportBundle(_ request: HTTPServerRequest) async throws -> HTTPServerResponse {
        var since: Int32 = 0
        var until: Int32?
        if let text = request.query["since"] {
            guard let value = LogsTime.parse(text, now: now()) else { throw HTTPError(.badRequest, "invalid parameter: since") }
            since = value
        }
        if let text = request.query["until"] {
            guard let value = LogsTime.parse(text, now: now()) else { throw HTTPError(.badRequest, "invalid parameter: until") }
            until = value
        }
        var runtimeOnly = false
        switch request.query["edge_runtime_only"] {
        case nil, "false": runtimeOnly = false
        case "true": runtimeOnly = true
        default: throw HTTPError(.badRequest, "invalid parameter: edge_runtime_only")
        }
        let serverVersion = try? await runtime.docker.version().version
        let bytes = try await SupportBundle(runtime: runtime, agentName: agentName).build(
            since: since, until: until, edgeRuntimeOnly: runtimeOnly, systemInfo: system.systemInfo(dockerServerVersion: serverVersion)
        )
        return HTTPServerResponse(status: .ok, headers: ["Content-Type": "application/zip"], body: ByteBuffer(bytes: bytes))
    }

    // MARK: Identities

    /// `{"moduleId", "managedBy", "generationId", "authType"}`.
    static func identityJSON(_ identity: AziotIdentity, managedBy: String = "iotedge") throws(HTTPError) -> JSONValue {
        guard let moduleId = identity.moduleId else { throw HTTPError(.badRequest, "identity has no module id") }
        guard let generationId = identity.generationId else { throw HTTPError(.badRequest, "identity \(moduleId) has no generation id") }
        return ["moduleId": .string(moduleId), "managedBy": .string(managedBy), "generationId": .string(generationId), "authType": "sas"]
    }

    private func listIdentities() async throws -> HTTPServerResponse {
        let list: [AziotIdentity]
        do {
            list = try await identities.moduleIdentities()
        } catch {
            throw HTTPError(.internalServerError, "could not list module identities: \(error.message)")
        }
        var result: [JSONValue] = []
        for identity in list { result.append(try Self.identityJSON(identity)) }
        return jsonResponse(["identities": .array(result)])
    }

    private func createIdentity(_ request: HTTPServerRequest) async throws -> HTTPServerResponse {
        try await requireAgent(request)
        let body = try request.requiredJSONBody()
        guard let moduleId = body["moduleId"]?.stringValue else {
            throw HTTPError(.unprocessableEntity, "invalid request body: missing string field `moduleId`")
        }
        let managedBy = body["managedBy"]?.stringValue ?? "iotedge"
        do {
            let identity = try await identities.createModuleIdentity(moduleId)
            return jsonResponse(try Self.identityJSON(identity, managedBy: managedBy))
        } catch let error as IdentityClientError {
            throw HTTPError(.internalServerError, "could not create identity \(moduleId): \(error.message)")
        }
    }

    private func updateIdentity(_ request: HTTPServerRequest) async throws -> HTTPServerResponse {
        try await requireAgent(request)
        let moduleId = request.parameters["moduleId"] ?? ""
        do {
            let identity = try await identities.updateModuleIdentity(moduleId)
            return jsonResponse(try Self.identityJSON(identity))
        } catch let error as IdentityClientError {
            throw HTTPError(.internalServerError, "could not update identity \(moduleId): \(error.message)")
        }
    }

    private func deleteIdentity(_ request: HTTPServerRequest) async throws -> HTTPServerResponse {
        try await requireAgent(request)
        let moduleId = request.parameters["moduleId"] ?? ""
        do {
            try await identities.deleteModuleIdentity(moduleId)
            return .noContent
        } catch {
            throw HTTPError(.internalServerError, "could not delete identity \(moduleId): \(error.message)")
        }
    }

    // MARK: Callers

    /// `403 forbidden` unless the caller runs in the agent's container.
    private func requireAgent(_ request: HTTPServerRequest) async throws(HTTPError) {
        guard await callers.process(request.peer.pid, runsIn: agentName) else {
            logger.info("Caller pid \(request.peer.pid) is not in container \(agentName): forbidden")
            throw HTTPError(.forbidden, "forbidden")
        }
    }
}

/// A JSON answer with the value's exact, order-preserving text (`Content-Type: application/json`).
func jsonResponse(_ value: JSONValue, status: HTTPResponseStatus = .ok) -> HTTPServerResponse {
    HTTPServerResponse(status: status, headers: ["Content-Type": "application/json"], body: ByteBuffer(bytes: value.jsonBytes))
}
