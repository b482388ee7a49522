import AziotConfig
import ConfigFiles
import DaemonLogging
import Foundation
import Logging
import ServiceLifecycle
import UnixSignals
import TOMLConfig
import UnixSocketHTTP

/// What every aziot daemon does the same way: log level from `AZIOT_LOG`, configuration from
/// `/etc/aziot/<svc>/config.toml` + `config.d` (with the `AZIOT_<SVC>_CONFIG(_DIR)` overrides), the socket from
/// systemd or `[endpoints]`, and a graceful stop on SIGTERM.
enum DaemonSupport {
    static let version = AziotVersion.current

    /// `AZIOT_LOG` in env_logger syntax: the last plain level wins (`info`, `aziot_keyd=debug,info`).
    static func logLevel(_ environment: [String: String]) -> Logger.Level {
        guard let spec = environment["AZIOT_LOG"] else { return .info }
        var level = Logger.Level.info
        for part in spec.split(separator: ",") where !part.contains("=") {
            switch part.trimmingCharacters(in: .whitespaces).lowercased() {
            case "trace": level = .trace
            case "debug": level = .debug
            case "info": level = .info
            case "warn", "warning": level = .warning
            case "error": level = .error
            case "off": level = .critical
            default: continue
            }
        }
        return level
    }

    static func configFiles(_ kind: AziotDaemonKind, _ environment: [String: String]) -> ConfigFileSet {
        ConfigFileSet.aziotService(kind.rawValue, environment: environment)
    }

    /// The socket to serve on: systemd's `aziot-<svc>.socket` if handed over, else `[endpoints]`, else
    /// `/run/aziot/<svc>.sock`. The socket's directory is created when missing.
    static func serverConfiguration(
        _ kind: AziotDaemonKind,
        endpoint: String?,
        maxRequests: Int,
        environment: [String: String]
    ) throws -> UnixSocketHTTPServerConfiguration {
        let uri = try ServiceEndpoint(parsing: endpoint ?? "unix:///run/aziot/\(kind.rawValue).sock")
        let listen = try uri.serverEndpoint(systemdName: "\(kind.programName).socket", environment: environment)
        return try prepare(UnixSocketHTTPServerConfiguration(endpoint: listen, maxConnectionsPerUID: maxRequests))
    }

    /// Creates the directory of a Unix socket endpoint when it is missing.
    static func prepare(_ configuration: UnixSocketHTTPServerConfiguration) throws -> UnixSocketHTTPServerConfiguration {
        if case .unixSocket(let path) = configuration.endpoint {
            let directory = (path as NSString).deletingLastPathComponent
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        }
        return configuration
    }

    /// The config watcher. `AZIOT_CONFIG_DEBOUNCE_MS` shortens aziot's 10 s debounce (for tests).
    static func watcher(_ files: ConfigFileSet, _ environment: [String: String]) -> ConfigFileWatcher {
        let debounce = environment["AZIOT_CONFIG_DEBOUNCE_MS"].flatMap { Int($0) }.map { Duration.milliseconds($0) } ?? .seconds(10)
        return ConfigFileWatcher(files: files, interval: min(.seconds(1), debounce), debounce: debounce)
    }

    /// The socket path of another service named in `[endpoints]` (default `/run/aziot/<name>.sock`).
    static func clientSocket(_ endpoint: String?, defaultName: String) throws -> String {
        try ServiceEndpoint(parsing: endpoint ?? "unix:///run/aziot/\(defaultName).sock").clientSocketPath()
    }

    /// Serves `router` until SIGTERM/SIGINT, with `others` (watchers, timers) alongside.
    static func serve(
        _ kind: AziotDaemonKind,
        configuration: UnixSocketHTTPServerConfiguration,
        router: HTTPRouter,
        others: [any Service] = [],
        logger: Logger
    ) async throws {
        let server = UnixSocketHTTPServer(configuration: configuration, router: router, logger: logger)
        logger.info("Starting server...")
        let group = ServiceGroup(
            configuration: .init(services: [server] + others, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        )
        try await group.run()
    }
}

/// A config watcher as a service: re-reads the files after each settled change and hands the new table to
/// `apply`; a file that no longer parses is logged and the old configuration kept.
struct ConfigReloadService: Service {
    let watcher: ConfigFileWatcher
    let logger: Logger
    let apply: @Sendable (ConfigTable) async throws -> Void

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await watcher.run {
                logger.info("Detected change in config files. Updating config.")
                do {
                    try await apply(try watcher.files.load())
                    logger.info("Config update finished.")
                } catch {
                    logger.warning("Config update failed, keeping the previous configuration: \(error)")
                }
            }
        }
    }
}
