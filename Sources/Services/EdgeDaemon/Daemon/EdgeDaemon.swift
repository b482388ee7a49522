import AziotClients
import AziotConfig
import CertService
import DockerClient
import Foundation
import IoTHubProtocol
public import Logging
public import ServiceLifecycle
import Synchronization
import UnixSocketHTTP
import WorkloadAPI
import X509

/// Makes the workload API's router provider once the device identity is known (start-up step 5).
public typealias WorkloadProviderFactory = @Sendable (_ device: AziotIdentity) async throws -> any WorkloadSocketProvider

/// aziot-edged: gets the device identity from identityd, makes sure the Edge CA exists, creates the Docker network,
/// serves the management API and the per-module workload sockets, keeps edgeAgent running and collects unused
/// images (§7.1). Runs as a `Service`: graceful shutdown (SIGTERM) stops the APIs and leaves the modules running, so
/// a restart of edged restarts no module; `POST /device/reprovision` stops every module and ends with
/// ``Outcome/reprovisioned`` (exit code 154).
public final class EdgeDaemon: Service, Sendable {
    public enum Outcome: Sendable, Equatable {
        case running
        /// Stopped by a signal (exit 0).
        case stopped
        /// Reprovisioned at edgeAgent's request (exit 154, systemd restarts edged).
        case reprovisioned
    }

    /// Settings that are not in the configuration file.
    public struct Options: Sendable {
        /// `aziot-edged` version shown in `/systeminfo` (`"1.6.0 (sha)"`).
        public var version: String
        /// Names this edged's containers (label `net.swift-iotedge.edged-instance`) so that several devices can share
        /// one engine; from `AZIOT_EDGED_INSTANCE`. Nil in production.
        public var instance: String?
        /// How often identityd is asked for the device while it cannot answer (5 s).
        public var identityRetryInterval: Duration
        /// The watchdog's fallback period (60 s; Docker events trigger it sooner).
        public var watchdogInterval: Duration

        public init(version: String = EdgeDaemon.version, instance: String? = nil, identityRetryInterval: Duration = .seconds(5), watchdogInterval: Duration = .seconds(60)) {
            self.version = version
            self.instance = instance
            self.identityRetryInterval = identityRetryInterval
            self.watchdogInterval = watchdogInterval
        }

        public static func from(environment: [String: String]) -> Options {
            var options = Options()
            if let instance = environment["AZIOT_EDGED_INSTANCE"], !instance.isEmpty { options.instance = instance }
            return options
        }
    }

    /// The edged release this build is compatible with (`aziot-edged --version`, `/systeminfo`).
    public static let version = AziotVersion.current

    public let configuration: EdgedConfiguration
    public let options: Options
    public let environment: [String: String]
    private let providerFactory: WorkloadProviderFactory?
    private let logger: Logger
    private let state = Mutex(State())

    private struct State {
        var outcome: Outcome = .running
        var device: AziotIdentity?
        var stop: AsyncStream<StopReason>.Continuation?
    }

    enum StopReason: Sendable {
        case signal
        case reprovision
        case failed(String)
    }

    /// `workloadProviderFactory` replaces the workload API (tests); nil serves ``WorkloadAPI``'s routes.
    public init(
        configuration: EdgedConfiguration,
        options: Options = Options(),
        environment: [String: String] = [:],
        workloadProviderFactory: WorkloadProviderFactory? = nil,
        logger: Logger
    ) {
        self.configuration = configuration
        self.options = options
        self.environment = environment
        self.providerFactory = workloadProviderFactory
        self.logger = logger
    }

    /// How ``run()`` ended.
    public var outcome: Outcome { state.withLock { $0.outcome } }

    /// The device identity, once known.
    public var device: AziotIdentity? { state.withLock { $0.device } }

    // MARK: Paths

    var cacheDirectory: String { "\(configuration.homedir)/cache" }
    var mountDirectory: String { "\(configuration.homedir)/mnt" }
    var gcDirectory: String { "\(configuration.homedir)/gc" }

    static func socketPath(_ uri: String, what: String) throws -> String {
        do {
            return try ServiceEndpoint(parsing: uri).clientSocketPath()
        } catch {
            throw EdgeDaemonError("\(what) \(uri): \(error.message)")
        }
    }

    // MARK: Run

    public func run() async throws {
        logger.info("Starting Azure IoT Edge Daemon")
        logger.info("Version - \(options.version)")
        for directory in [cacheDirectory, mountDirectory, gcDirectory] {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        let docker = DockerClient(configuration: DockerClientConfiguration(socketPath: try Self.socketPath(configuration.moby.uri, what: "[moby_runtime] uri")))
        let identitydSocket = try Self.socketPath(configuration.endpoints.identityd, what: "[endpoints] aziot_identityd_url")
        let identities = IdentityClient(socketPath: identitydSocket)
        let keys = KeyClient(socketPath: try Self.socketPath(configuration.endpoints.keyd, what: "[endpoints] aziot_keyd_url"))
        let certs = CertClient(socketPath: try Self.socketPath(configuration.endpoints.certd, what: "[endpoints] aziot_certd_url"))

        let (stops, stop) = AsyncStream.makeStream(of: StopReason.self, bufferingPolicy: .unbounded)
        state.withLock { $0.stop = stop }
        // A signal during start-up (waiting for identityd) ends start-up.
        let device: AziotIdentity
        do {
            device = try await cancelWhenGracefulShutdown { try await self.deviceIdentity(identities) }
        } catch is CancellationError {
            state.withLock { $0.outcome = .stopped }
            return
        }
        state.withLock { $0.device = device }
        logger.info("Obtained edge device provisioning data: hub \(device.hubName), device \(device.deviceId)")

        try await ensureNetwork(docker)

        let subject = try configuration.edgeCA.subject.map { try $0.distinguishedName() }
        let edgeCA = try EdgeCA(
            deviceId: device.deviceId, keys: keys, certs: certs, certId: configuration.edgeCA.certId, keyId: configuration.edgeCA.keyId,
            subject: subject,
            // Without [edge_ca.auto_renew] the CA is only replaced when it is about to expire.
            renewal: configuration.edgeCA.autoRenew ?? AutoRenewConfig(rotateKey: false, threshold: .time(seconds: 60)), logger: logger
        )
        let ca: EdgeCA.Current
        do {
            ca = try await edgeCA.ensure().ca
        } catch {
            throw EdgeDaemonError("could not make sure the Edge CA \(configuration.edgeCA.certId) exists through keyd and certd: \(error)")
        }
        logger.info("Edge CA \(configuration.edgeCA.certId) valid until \(RFC3339.format(ca.certificate.notValidAfter))")

        // Components.
        var runtime = ModuleRuntime(
            docker: docker,
            createBody: ContainerCreateBody(
                allowElevatedDockerPermissions: configuration.allowElevatedDockerPermissions,
                instanceLabel: options.instance,
                workloadMount: workloadMount
            ),
            images: ImageUseStore(directory: gcDirectory),
            environmentDefaults: environmentDefaults(identities: identities),
            logger: logger
        )
        runtime.agentName = configuration.agent.name
        runtime.agentManagementSocket = AgentBootstrap.unixPath(configuration.connect.managementURI)

        let callers = ContainerOfProcess(docker: docker, logger: logger)
        let provider: any WorkloadSocketProvider
        if let providerFactory {
            provider = try await providerFactory(device)
        } else {
            provider = workloadAPI(device: device, identitydSocket: identitydSocket, keys: keys, certs: certs, callers: callers, modules: runtime)
        }
        let routerBox = RouterBox()
        let sockets = WorkloadSocketManager(
            mount: runtime.createBody.workloadMount ?? ContainerCreateBody.WorkloadMount(hostMountDirectory: mountDirectory, containerSocketPath: "/var/run/iotedge/workload.sock"),
            provider: provider,
            maxConnectionsPerUID: configuration.maxRequests.workload,
            agentManagement: agentManagementSocket(routerBox),
            logger: logger
        )
        runtime.sockets = sockets

        // Modules of another device identity are removed (§7.1 step 7); otherwise they keep running.
        let provisioning = ProvisioningCache(cacheDirectory: cacheDirectory)
        if provisioning.hasChanged(for: device) {
            logger.info("Device identity changed (or first start): removing existing modules")
            await runtime.removeAll()
            try provisioning.store(device)
        }

        let management = ManagementAPI(
            runtime: runtime,
            identities: identities,
            callers: callers,
            agentName: configuration.agent.name,
            system: SystemInformation(version: options.version, additionalInfo: configuration.additionalInfo),
            logger: logger,
            onReprovision: { [weak self] in self?.requestStop(.reprovision) }
        )
        let router = management.router
        routerBox.set(router)

        var servers: [UnixSocketHTTPServer] = []
        do {
            let managementServer = UnixSocketHTTPServer(
                configuration: try serverConfiguration(configuration.listen.managementURI, systemdName: "aziot-edged.mgmt.socket", mode: 0o660, limit: configuration.maxRequests.management),
                router: router,
                logger: logger
            )
            try await managementServer.start()
            servers.append(managementServer)
            let legacyWorkload = UnixSocketHTTPServer(
                configuration: try serverConfiguration(configuration.listen.workloadURI, systemdName: "aziot-edged.workload.socket", mode: 0o666, limit: configuration.maxRequests.workload),
                router: provider.workloadRouter(forModule: nil),
                logger: logger
            )
            try await legacyWorkload.start()
            servers.append(legacyWorkload)
            for container in try await runtime.containers() {
                try await sockets.prepare(module: container.name)
            }
        } catch {
            for server in servers { await server.stop() }
            await sockets.stopAll()
            throw error
        }

        let agentCache = AgentIdentityCache(cacheDirectory: cacheDirectory)
        let bootstrap = AgentBootstrap(configuration: configuration)
        let logger = self.logger
        let watchdog = Watchdog(
            runtime: runtime,
            agentName: configuration.agent.name,
            agentSpec: {
                let generationId = try await Self.agentGenerationId(identities, cache: agentCache, logger: logger)
                return bootstrap.spec(device: device, generationId: generationId)
            },
            maxRetries: configuration.watchdog.maxRetries,
            interval: options.watchdogInterval,
            logger: logger
        )
        let collector = ImageGarbageCollector(
            runtime: runtime, settings: configuration.imageGarbageCollection,
            agentImage: AgentBootstrap.resolveUpstream(configuration.agent.config.image, gateway: device.gatewayHost), logger: logger
        )
        let modules = runtime
        let renewal = EdgeCARenewal(edgeCA: edgeCA, current: ca, onRenewed: { _ in
            logger.info("Edge CA renewed; restarting modules")
            await modules.restartAll()
        }, logger: logger)

        let reason = await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group -> StopReason in
                group.addTask {
                    do {
                        try await watchdog.run()
                    } catch is CancellationError {
                    } catch {
                        self.requestStop(.failed("watchdog: \(error)"))
                    }
                }
                group.addTask {
                    do {
                        try await collector.run()
                    } catch {}
                }
                if configuration.edgeCA.autoRenew != nil {
                    group.addTask { try? await renewal.run() }
                }
                var reason = StopReason.signal
                for await next in stops {
                    reason = next
                    break
                }
                group.cancelAll()
                return reason
            }
        } onGracefulShutdown: {
            self.requestStop(.signal)
        }

        logger.info("Stopping the management and workload APIs")
        for server in servers { await server.stop() }
        await sockets.stopAll()
        switch reason {
        case .signal:
            state.withLock { $0.outcome = .stopped }
        case .reprovision:
            logger.info("Reprovisioning: stopping all modules")
            await runtime.stopAll(timeout: 30)
            try? FileManager.default.removeItem(atPath: cacheDirectory)
            do {
                try await identities.reprovisionDevice()
                logger.info("Successfully reprovisioned")
            } catch {
                logger.error("Could not reprovision: \(error)")
            }
            state.withLock { $0.outcome = .reprovisioned }
        case .failed(let message):
            state.withLock { $0.outcome = .stopped }
            throw EdgeDaemonError(message)
        }
    }

    /// Ends ``run()``: `.signal` as SIGTERM does, `.reprovision` as `POST /device/reprovision` does.
    func requestStop(_ reason: StopReason) {
        _ = state.withLock { $0.stop?.yield(reason) }
    }

    /// Stops the daemon as a signal would (tests, embedding).
    public func shutdown() { requestStop(.signal) }

    // MARK: Start-up steps

    /// The device identity from identityd, asked every ``Options/identityRetryInterval`` until it answers. An error
    /// answer from identityd asks it to reprovision (best effort); a connection error just waits.
    func deviceIdentity(_ identities: IdentityClient) async throws -> AziotIdentity {
        if configuration.autoReprovisioningMode == .alwaysOnStartup {
            try? FileManager.default.removeItem(atPath: cacheDirectory)
            try FileManager.default.createDirectory(atPath: cacheDirectory, withIntermediateDirectories: true)
            do {
                try await identities.reprovisionDevice()
            } catch {
                logger.warning("Could not reprovision at start-up: \(error)")
            }
        }
        while true {
            do {
                return try await identities.deviceIdentity()
            } catch {
                if error.isConnectionError {
                    logger.info("Waiting for identityd: \(error.message)")
                } else {
                    logger.warning("Could not get the device identity: \(error); asking identityd to reprovision")
                    try? await identities.reprovisionDevice()
                }
            }
            try await Task.sleep(for: options.identityRetryInterval)
        }
    }

    /// Creates the network named in `[moby_runtime]` unless it exists (host networking and existing networks are
    /// left alone).
    func ensureNetwork(_ docker: DockerClient) async throws {
        let network = configuration.moby.network
        do {
            let existing = try await docker.listNetworks(filters: ["name": [network.name]])
            if existing.contains(where: { $0.name == network.name }) { return }
            logger.info("Creating the Docker network \(network.name)")
            _ = try await docker.createNetwork(name: network.name, enableIPv6: network.ipv6, ipamConfig: network.ipam)
        } catch let error as DockerError where error.code == .conflict {
            // Created meanwhile.
        } catch {
            throw EdgeDaemonError("could not create the Docker network \(network.name) (\(configuration.moby.uri)): \(error)")
        }
    }

    /// `$edgeAgent`'s generation id: identityd's update (as the reference), else its get (identityd's backup when
    /// IoT Hub is unreachable), else the cached id (identityd down too).
    static func agentGenerationId(_ identities: IdentityClient, cache: AgentIdentityCache, logger: Logger) async throws -> String {
        do {
            let identity = try await identities.updateModuleIdentity("$edgeAgent")
            if let generationId = identity.generationId {
                cache.store(generationId)
                return generationId
            }
        } catch {
            logger.warning("Could not update the identity of $edgeAgent: \(error)")
        }
        if let identity = try? await identities.moduleIdentity("$edgeAgent"), let generationId = identity.generationId {
            cache.store(generationId)
            return generationId
        }
        if let cached = cache.load() {
            logger.info("Using the cached generation id of $edgeAgent")
            return cached
        }
        throw EdgeDaemonError("no generation id for $edgeAgent: identityd cannot give it and none is cached")
    }

    /// The workload API for `device`: module keys through identityd and keyd, certificates from the Edge CA through
    /// certd, every caller checked against its module's container.
    func workloadAPI(device: AziotIdentity, identitydSocket: String, keys: KeyClient, certs: CertClient, callers: ContainerOfProcess, modules: ModuleRuntime) -> WorkloadRouterFactory {
        var workload = WorkloadConfiguration(hubName: device.hubName, deviceId: device.deviceId, edgeCACertId: configuration.edgeCA.certId, edgeCAKeyId: configuration.edgeCA.keyId)
        if let id = configuration.trustBundleCert { workload.trustBundleCertId = id }
        if let id = configuration.manifestTrustBundleCert { workload.manifestTrustBundleCertId = id }
        let service = WorkloadService(
            configuration: workload, keys: keys, certs: certs,
            moduleKeys: IdentitydModuleKeySource(socketPath: identitydSocket),
            callers: callers, moduleList: modules, logger: logger
        )
        return WorkloadRouterFactory { module in
            module.map { WorkloadAPI.router(for: $0, service: service) } ?? WorkloadAPI.router(service: service)
        }
    }

    var workloadMount: ContainerCreateBody.WorkloadMount? {
        guard let connectPath = AgentBootstrap.unixPath(configuration.connect.workloadURI) else { return nil }
        return ContainerCreateBody.WorkloadMount(hostMountDirectory: AgentBootstrap.canonical(mountDirectory), containerSocketPath: connectPath)
    }

    /// The management socket inside the agent's socket directory, when the configured management path is in the
    /// same container directory as the workload socket.
    func agentManagementSocket(_ box: RouterBox) -> AgentManagementSocket? {
        guard let mount = workloadMount, let management = AgentBootstrap.unixPath(configuration.connect.managementURI),
            ContainerCreateBody.WorkloadMount.directory(of: management) == mount.containerDirectory,
            let name = management.split(separator: "/").last, String(name) != mount.socketName
        else { return nil }
        return AgentManagementSocket(
            agent: configuration.agent.name, socketName: String(name), router: { box.get() }, maxConnections: configuration.maxRequests.management
        )
    }

    func serverConfiguration(_ uri: String, systemdName: String, mode: UInt32, limit: Int) throws -> UnixSocketHTTPServerConfiguration {
        let endpoint = try ServiceEndpoint(parsing: uri).serverEndpoint(systemdName: systemdName, environment: environment)
        if case .unixSocket(let path) = endpoint {
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        }
        return UnixSocketHTTPServerConfiguration(endpoint: endpoint, socketMode: mode, maxConnectionsPerUID: limit)
    }

    /// The `IOTEDGE_*` variables a module created without them gets (edgeAgent always sends them; a module created
    /// by another client works the same way): workload URI, API version, auth scheme, device, hub, gateway, module
    /// id and generation id (from identityd, when it knows the module).
    func environmentDefaults(identities: IdentityClient) -> @Sendable (ModuleSpec) async -> [ModuleEnvVar] {
        let configuration = self.configuration
        return { [weak self] spec in
            guard let device = self?.device, spec.name != configuration.agent.name else { return [] }
            var present = Set(spec.env.map(\.key))
            for entry in (spec.config.createOptions?["Env"]?.arrayValue ?? []).compactMap(\.stringValue) {
                present.insert(String(entry.split(separator: "=", maxSplits: 1).first ?? ""))
            }
            let moduleId = spec.name == "edgeHub" ? "$edgeHub" : spec.name
            var env = [
                ModuleEnvVar(key: "IOTEDGE_WORKLOADURI", value: configuration.connect.workloadURI),
                ModuleEnvVar(key: "IOTEDGE_APIVERSION", value: EdgeletAPIVersion.latest.rawValue),
                ModuleEnvVar(key: "IOTEDGE_AUTHSCHEME", value: "sasToken"),
                ModuleEnvVar(key: "IOTEDGE_DEVICEID", value: device.deviceId),
                ModuleEnvVar(key: "IOTEDGE_IOTHUBHOSTNAME", value: device.hubName),
                ModuleEnvVar(key: "IOTEDGE_MODULEID", value: moduleId),
            ]
            if spec.name == "edgeHub" {
                env.append(ModuleEnvVar(key: "EdgeDeviceHostName", value: configuration.hostname))
            } else {
                env.append(ModuleEnvVar(key: "IOTEDGE_GATEWAYHOSTNAME", value: configuration.hostname))
            }
            if !present.contains("IOTEDGE_MODULEGENERATIONID"), let generationId = try? await identities.moduleIdentity(moduleId).generationId {
                env.append(ModuleEnvVar(key: "IOTEDGE_MODULEGENERATIONID", value: generationId))
            }
            return env.filter { !present.contains($0.key) }
        }
    }
}
