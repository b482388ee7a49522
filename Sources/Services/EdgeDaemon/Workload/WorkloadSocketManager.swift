import Foundation
public import Logging
import UnixSocketHTTP

/// The per-module workload sockets: `<homedir>/mnt/<module>/workload.sock` (mode 0666), each served by its own
/// ``UnixSocketHTTPServer`` with the provider's router for that module. A module's socket directory is bound into its
/// container at `/var/run/iotedge`, so a socket re-created after edged restarts is the one the container sees.
///
/// For edgeAgent the same directory also holds the management socket when the configured management path is in
/// the same container directory (the default `/var/run/iotedge/mgmt.sock`), for the same reason.
public actor WorkloadSocketManager: WorkloadSocketLifecycle {
    public let mount: ContainerCreateBody.WorkloadMount
    public let provider: any WorkloadSocketProvider
    public let maxConnectionsPerUID: Int
    /// The agent's name and the management router served in its directory (nil: not served there).
    public let agentManagement: AgentManagementSocket?
    private let logger: Logger
    private var servers: [String: [UnixSocketHTTPServer]] = [:]

    public init(
        mount: ContainerCreateBody.WorkloadMount,
        provider: any WorkloadSocketProvider,
        maxConnectionsPerUID: Int = 10,
        agentManagement: AgentManagementSocket? = nil,
        logger: Logger
    ) {
        self.mount = mount
        self.provider = provider
        self.maxConnectionsPerUID = maxConnectionsPerUID
        self.agentManagement = agentManagement
        self.logger = logger
    }

    /// Modules whose sockets are listening.
    public var listening: [String] { servers.keys.sorted() }

    public func prepare(module: String) async throws {
        guard servers[module] == nil else { return }
        try FileManager.default.createDirectory(
            atPath: mount.hostDirectory(module), withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755]
        )
        var started: [UnixSocketHTTPServer] = []
        let workload = UnixSocketHTTPServer(
            configuration: UnixSocketHTTPServerConfiguration(
                endpoint: .unixSocket(path: mount.hostSocket(module)), socketMode: 0o666, maxConnectionsPerUID: maxConnectionsPerUID
            ),
            router: provider.workloadRouter(forModule: module),
            logger: logger
        )
        try await workload.start()
        started.append(workload)
        if let management = agentManagement, management.agent == module {
            let server = UnixSocketHTTPServer(
                configuration: UnixSocketHTTPServerConfiguration(
                    endpoint: .unixSocket(path: "\(mount.hostDirectory(module))/\(management.socketName)"), socketMode: 0o660,
                    maxConnectionsPerUID: management.maxConnections
                ),
                router: management.router(),
                logger: logger
            )
            do {
                try await server.start()
                started.append(server)
            } catch {
                await workload.stop()
                throw error
            }
        }
        servers[module] = started
        logger.info("Listening on the workload socket of module \(module)")
    }

    public func stop(module: String) async {
        guard let running = servers.removeValue(forKey: module) else { return }
        for server in running { await server.stop() }
    }

    public func remove(module: String) async {
        await stop(module: module)
        try? FileManager.default.removeItem(atPath: mount.hostDirectory(module))
        try? FileManager.default.removeItem(atPath: mount.referenceHostSocket(module))
    }

    /// Stops every socket (daemon shutdown).
    public func stopAll() async {
        for module in Array(servers.keys) { await stop(module: module) }
    }
}
