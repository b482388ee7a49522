import AziotClients
import CertService
import ConfigFiles
import Logging
import UnixSocketHTTP

/// aziot-certd: certificates, served on `certd.sock`, signing with keys held by keyd; issuance settings,
/// preloaded certificates and principals are re-read when the configuration changes.
enum CertdDaemon {
    static func run(environment: [String: String], logger: Logger) async throws {
        let files = DaemonSupport.configFiles(.certd, environment)
        let configuration = try CertdConfiguration(try files.load())
        let keyClient = KeyClient(socketPath: try DaemonSupport.clientSocket(configuration.keydEndpoint, defaultName: "keyd"))
        let service = CertService(configuration: configuration, keys: KeydIssuerKeys(client: keyClient), logger: logger)
        let reload = ConfigReloadService(watcher: DaemonSupport.watcher(files, environment), logger: logger) { table in
            await service.reload(try CertdConfiguration(table))
        }
        let server = try DaemonSupport.serverConfiguration(
            .certd, endpoint: configuration.certdEndpoint, maxRequests: configuration.maxRequests, environment: environment
        )
        try await DaemonSupport.serve(.certd, configuration: server, router: CertServiceAPI.router(service), others: [reload], logger: logger)
    }
}
