import NIOHTTP1
public import DockerClient
import Foundation
public import IoTHubProtocol
public import Logging
public import NIOCore
import UnixSocketHTTP
public import WorkloadAPI

/// What the runtime asks of the workload socket manager around a module's lifetime.
public protocol WorkloadSocketLifecycle: Sendable {
    /// Makes sure the module's socket is listening (before its container starts).
    func prepare(module: String) async throws
    /// Stops serving the module's socket (its file stays).
    func stop(module: String) async
    /// Stops serving and deletes the module's socket.
    func remove(module: String) async
}

/// Modules as Docker containers (§2.3, §4.2, §4.3): create, update, remove, start, stop, restart, list, logs, pull,
/// with the reference's Docker mapping. Operations on one module are serialized (``locks``), so the watchdog and an
/// API call never interleave on the same container.
public struct ModuleRuntime: Sendable {
    public let docker: DockerClient
    public var createBody: ContainerCreateBody
    public let images: ImageUseStore
    public let locks: KeyedAsyncLock
    public var sockets: (any WorkloadSocketLifecycle)?
    /// `IOTEDGE_*` values for a module whose spec lacks them (see ``ContainerCreateBody``).
    public var environmentDefaults: @Sendable (ModuleSpec) async -> [ModuleEnvVar]
    public let logger: Logger

    public init(
        docker: DockerClient,
        createBody: ContainerCreateBody,
        images: ImageUseStore,
        locks: KeyedAsyncLock = KeyedAsyncLock(),
        sockets: (any WorkloadSocketLifecycle)? = nil,
        environmentDefaults: @escaping @Sendable (ModuleSpec) async -> [ModuleEnvVar] = { _ in [] },
        logger: Logger
    ) {
        self.docker = docker
        self.createBody = createBody
        self.images = images
        self.locks = locks
        self.sockets = sockets
        self.environmentDefaults = environmentDefaults
        self.logger = logger
    }

    /// The Docker filter that selects this edged's containers.
    public var ownedFilter: DockerFilters {
        var filters: DockerFilters = ["label": ["\(ModuleLabels.owner)=\(ModuleLabels.ownerValue)"]]
        if let instance = createBody.instanceLabel { filters.add("label", "\(ModuleLabels.instance)=\(instance)") }
        return filters
    }

    // MARK: Reading

    /// Every container this edged manages, inspected, in Docker's order; a container whose inspect fails (removed
    /// meanwhile) is left out.
    public func containers() async throws -> [ContainerInspect] {
        let summaries: [ContainerSummary]
        do {
            summaries = try await docker.listContainers(all: true, filters: ownedFilter)
        } catch {
            throw ModuleRuntimeError("could not list modules", error)
        }
        var result: [ContainerInspect] = []
        for summary in summaries {
            if let inspected = try? await docker.inspectContainer(summary.id) { result.append(inspected) }
        }
        return result
    }

    /// `{"modules": [...]}`.
    public func list() async throws -> JSONValue {
        ["modules": .array(try await containers().map(ModuleDetails.from))]
    }

    public func inspect(_ name: String) async throws -> ContainerInspect {
        do {
            return try await docker.inspectContainer(name)
        } catch {
            throw ModuleRuntimeError("could not get module \(name)", error)
        }
    }

    // MARK: Changing

    /// Pulls (per the policy) and creates the container; does not start it.
    public func create(_ spec: ModuleSpec) async throws {
        try await locks.withLock(spec.name) { try await createUnlocked(spec) }
    }

    func createUnlocked(_ spec: ModuleSpec) async throws {
        guard spec.type == "docker" else { throw ModuleRuntimeError(status: .badRequest, message: "invalid module type \"\(spec.type)\"; only \"docker\" is supported") }
        if spec.imagePullPolicy == .onCreate { try await pull(spec.config) }
        var builder = createBody
        if let mount = builder.workloadMount, spec.name == agentName {
            builder.droppedBindSources = agentDroppedBinds(mount)
        }
        let result = builder.build(spec, defaultEnv: await environmentDefaults(spec))
        for warning in result.warnings { logger.warning("\(warning)") }
        if let mount = builder.workloadMount {
            try? FileManager.default.createDirectory(atPath: mount.hostDirectory(spec.name), withIntermediateDirectories: true)
        }
        let created: ContainerCreateResult
        do {
            created = try await docker.createContainer(name: spec.name, body: result.body)
        } catch {
            throw ModuleRuntimeError("could not create module \(spec.name)", error)
        }
        for warning in created.warnings { logger.warning("Docker, creating \(spec.name): \(warning)") }
        if let imageId = try? await docker.inspectContainer(created.id).image {
            try? await images.record(imageId)
        }
        logger.info("Created module \(spec.name)")
    }

    /// The agent's name and the management binds edged serves inside the agent's socket directory instead.
    public var agentName: String? = nil
    public var agentManagementSocket: String? = nil

    func agentDroppedBinds(_ mount: ContainerCreateBody.WorkloadMount) -> Set<String> {
        guard let management = agentManagementSocket, ContainerCreateBody.WorkloadMount.directory(of: management) == mount.containerDirectory else {
            return []
        }
        return [management]
    }

    /// Stops and removes the container, then pulls and creates it again, and starts it when `start`.
    public func update(_ spec: ModuleSpec, start: Bool) async throws {
        try await locks.withLock(spec.name) {
            do {
                try await docker.stopContainer(spec.name)
            } catch let error as DockerError where error.code == .notModified || error.code == .notFound {
                // Already stopped or gone: nothing to stop.
            } catch {
                throw ModuleRuntimeError("could not stop module \(spec.name)", error)
            }
            do {
                try await docker.removeContainer(spec.name, force: true)
            } catch let error as DockerError where error.code == .notFound {
            } catch {
                throw ModuleRuntimeError("could not remove module \(spec.name)", error)
            }
            try await createUnlocked(spec)
            if start {
                do {
                    try await startUnlocked(spec.name)
                } catch {
                    // The reference answers 201 "running" anyway; the failure is in the log and in the status.
                    logger.warning("Module \(spec.name) updated but could not be started: \(error)")
                }
            }
        }
    }

    /// Removes the container (forcefully) and the module's workload socket.
    public func remove(_ name: String) async throws {
        try await locks.withLock(name) { try await removeUnlocked(name) }
    }

    func removeUnlocked(_ name: String) async throws {
        let container = try await inspect(name)
        do {
            try await docker.removeContainer(container.id, force: true, removeVolumes: false, removeLink: false)
        } catch {
            throw ModuleRuntimeError("could not remove module \(name)", error)
        }
        try? await images.record(container.image)
        await sockets?.remove(module: name)
        logger.info("Removed module \(name)")
    }

    /// Makes the workload socket listen, then starts the container (already running is success).
    public func start(_ name: String) async throws {
        try await locks.withLock(name) { try await startUnlocked(name) }
    }

    func startUnlocked(_ name: String) async throws {
        do {
            try await sockets?.prepare(module: name)
        } catch {
            throw ModuleRuntimeError("could not prepare the workload socket of module \(name)", error)
        }
        do {
            try await docker.startContainer(name)
        } catch let error as DockerError where error.code == .notModified {
        } catch {
            throw ModuleRuntimeError("could not start module \(name)", error)
        }
    }

    /// Stops serving the workload socket and stops the container (`timeout` nil: Docker's default, 10 s).
    public func stop(_ name: String, timeout: Int? = nil) async throws {
        try await locks.withLock(name) {
            await sockets?.stop(module: name)
            do {
                try await docker.stopContainer(name, timeout: timeout)
            } catch let error as DockerError where error.code == .notModified {
            } catch {
                throw ModuleRuntimeError("could not stop module \(name)", error)
            }
        }
    }

    /// A plain Docker restart (the socket is left as it is).
    public func restart(_ name: String) async throws {
        try await locks.withLock(name) {
            do {
                try await sockets?.prepare(module: name)
                try await docker.restartContainer(name)
            } catch {
                throw ModuleRuntimeError("could not restart module \(name)", error)
            }
        }
    }

    /// Pulls the image only (prepareupdate), per the policy.
    public func prepareUpdate(_ spec: ModuleSpec) async throws {
        if spec.imagePullPolicy == .onCreate { try await pull(spec.config) }
    }

    /// Pulls the image with the spec's credentials. A failed pull of an image that is present locally is a warning
    /// (an offline device keeps working with what it has); otherwise the pull error is the answer.
    public func pull(_ config: DockerConfig) async throws {
        do {
            try await docker.pullImageToCompletion(config.image, auth: config.registryAuth)
            logger.info("Pulled image \(config.image)")
        } catch {
            guard (try? await docker.inspectImage(config.image)) != nil else {
                throw ModuleRuntimeError("could not pull image \(config.image)", error)
            }
            logger.warning("Could not pull image \(config.image), using the local copy: \(error)")
        }
        if let imageId = try? await docker.inspectImage(config.image).id { try? await images.record(imageId) }
    }

    /// The container's log body as Docker sends it (multiplexed frames unless it has a TTY).
    public func logs(_ name: String, _ query: LogsQuery, limit: Int = 64 << 20) async throws -> ByteBuffer {
        do {
            var options = query.dockerOptions
            // One buffered answer (the support bundle's): a followed stream would never end.
            options.follow = false
            return try await docker.containerLogsRaw(name, options: options).body.collect(upTo: limit)
        } catch {
            throw ModuleRuntimeError("could not get logs of module \(name)", error)
        }
    }

    // MARK: All modules

    /// Stops every module (Docker stop with `timeout`), edgeAgent last; errors are logged.
    public func stopAll(timeout: Int = 30) async {
        let all = (try? await containers()) ?? []
        await withTaskGroup(of: Void.self) { group in
            for container in all where container.name != agentName && container.state.running {
                group.addTask { try? await stop(container.name, timeout: timeout) }
            }
        }
        if let agent = all.first(where: { $0.name == agentName }), agent.state.running {
            try? await stop(agent.name, timeout: timeout)
        }
    }

    /// Removes every module (after the device's identity changed).
    public func removeAll() async {
        for container in (try? await containers()) ?? [] {
            do {
                try await remove(container.name)
            } catch {
                logger.warning("Could not remove module \(container.name): \(error)")
            }
        }
    }

    /// Restarts every running module, other modules first and edgeAgent last (after an Edge CA renewal, so that
    /// they fetch new server certificates). Nothing happens when edgeAgent is not running.
    public func restartAll() async {
        let all = (try? await containers()) ?? []
        guard let agent = all.first(where: { $0.name == agentName }), agent.state.running else {
            logger.info("edgeAgent is not running; modules are not restarted")
            return
        }
        for container in all where container.name != agentName && container.state.running {
            do {
                try await stop(container.name)
                try await start(container.name)
            } catch {
                logger.warning("Could not restart module \(container.name): \(error)")
            }
        }
        do {
            try await stop(agent.name)
            try await start(agent.name)
        } catch {
            logger.warning("Could not restart \(agent.name): \(error)")
        }
    }
}

/// The workload socket's `GET /modules` is the management API's list.
extension ModuleRuntime: WorkloadModuleList {
    public func moduleListJSON() async throws -> JSONValue { try await list() }
}
