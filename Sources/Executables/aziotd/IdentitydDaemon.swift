import AziotClients
import ConfigFiles
import IdentityService
import Logging
import ServiceLifecycle
import UnixSignals
import UnixSocketHTTP

/// aziot-identityd: provisions the device, manages module identities in IoT Hub and serves identities on
/// `identityd.sock`, reaching keyd and certd through the sockets named in its `[endpoints]`.
enum IdentitydDaemon {
    static func run(environment: [String: String], logger: Logger) async throws {
        let files = DaemonSupport.configFiles(.identityd, environment)
        let configuration = try IdentitydConfiguration(try files.load())
        var daemon = IdentityDaemon(
            files: files,
            version: DaemonSupport.version,
            keyClient: KeyClient(socketPath: try configuration.endpoints.keyd.clientSocketPath()),
            certClient: CertClient(socketPath: try configuration.endpoints.certd.clientSocketPath()),
            environment: environment,
            logger: logger
        )
        daemon.watcher = DaemonSupport.watcher(files, environment)
        if case ServiceEndpoint.unix(let path) = configuration.endpoints.identityd {
            _ = try DaemonSupport.prepare(.init(endpoint: .unixSocket(path: path)))
        }
        let group = ServiceGroup(
            configuration: .init(services: [daemon], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        )
        try await group.run()
    }
}
