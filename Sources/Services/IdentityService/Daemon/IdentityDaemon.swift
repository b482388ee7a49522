public import ConfigFiles
public import Logging
public import ServiceLifecycle
import TOMLConfig
public import UnixSocketHTTP

/// aziot-identityd as a process (§4.9): logs `Starting service...` and `Version - <v>`, reads the configuration,
/// provisions and reconciles (a failure with no usable backup ends ``run()`` with an error, so the process exits and
/// systemd restarts it), watches the configuration files, then logs `Starting server...` and serves the API on its
/// socket until graceful shutdown.
///
/// keyd and certd are reached through the clients given (the `AziotClients` target's, in the real daemon).
public struct IdentityDaemon: Service {
    public var files: ConfigFileSet
    public var version: String
    public var environment: [String: String]
    /// How the configuration files are watched (poll and debounce periods).
    public var watcher: ConfigFileWatcher
    public var options: IdentityServiceOptions?
    let keyClient: any IdentityKeyClient
    let certClient: any IdentityCertClient
    let logger: Logger

    public init(
        files: ConfigFileSet,
        version: String,
        keyClient: any IdentityKeyClient,
        certClient: any IdentityCertClient,
        environment: [String: String] = ProcessEnvironment.current,
        options: IdentityServiceOptions? = nil,
        logger: Logger
    ) {
        self.files = files
        self.version = version
        self.keyClient = keyClient
        self.certClient = certClient
        self.environment = environment
        self.watcher = ConfigFileWatcher(files: files)
        self.options = options
        self.logger = logger
    }

    public func run() async throws {
        logger.info("Starting service...")
        logger.info("Version - \(version)")
        let baseline = watcher.snapshot()
        let configuration = try IdentitydConfiguration(try files.load())
        let options = self.options ?? IdentityServiceOptions(cloud: .from(environment: environment))
        let service = IdentityService(configuration: configuration, keyClient: keyClient, certClient: certClient, options: options, logger: logger)
        try await service.start()

        let endpoint = try configuration.endpoints.identityd.serverEndpoint(systemdName: "aziot-identityd.socket", environment: environment)
        let server = UnixSocketHTTPServer(
            configuration: UnixSocketHTTPServerConfiguration(endpoint: endpoint, maxConnectionsPerUID: configuration.maxRequests),
            router: IdentityServiceAPI.router(service),
            logger: logger
        )
        let files = self.files
        let logger = self.logger
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                await watcher.run(since: baseline) {
                    await Self.applyChangedConfiguration(files: files, to: service, logger: logger)
                }
            }
            logger.info("Starting server...")
            try await server.run()
            group.cancelAll()
        }
    }

    /// Re-reads the configuration after a change on disk; a file that does not parse keeps the old configuration.
    static func applyChangedConfiguration(files: ConfigFileSet, to service: IdentityService, logger: Logger) async {
        logger.info("Detected change in config files. Updating config.")
        let configuration: IdentitydConfiguration
        do {
            configuration = try IdentitydConfiguration(try files.load())
        } catch {
            logger.warning("Failed to read the changed configuration; keeping the previous one: \(error)")
            return
        }
        await service.reload(configuration)
        logger.info("Config update finished.")
    }
}
