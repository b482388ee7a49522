import KeyService
import Logging
import UnixSocketHTTP

/// aziot-keyd: the key store, served on `keyd.sock`; principals are re-read when the configuration changes.
enum KeydDaemon {
    static func run(environment: [String: String], logger: Logger) async throws {
        let files = DaemonSupport.configFiles(.keyd, environment)
        let configuration = try KeydConfiguration.load(files)
        let service = try KeyService(configuration: configuration, logger: logger)
        let reload = ConfigReloadService(watcher: DaemonSupport.watcher(files, environment), logger: logger) { table in
            await service.updatePrincipals(try KeydConfiguration(table).principals)
        }
        try await DaemonSupport.serve(
            .keyd,
            configuration: try DaemonSupport.prepare(configuration.serverConfiguration(environment: environment)),
            router: KeydHTTPAPI.router(service: service, logger: logger),
            others: [reload],
            logger: logger
        )
    }
}
