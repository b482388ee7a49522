import ConfigFiles
import DaemonLogging
import EdgeDaemon
import Logging
import ServiceLifecycle
import UnixSignals
import UnixSocketHTTP

#if canImport(Glibc)
import Glibc
#endif

// aziot-edged: the IoT Edge module runtime. Exit codes as the reference: 0 stopped, 1 error, 153 invalid settings
// (systemd does not restart), 154 reprovisioned (systemd restarts it).
let environment = ProcessEnvironment.current
let arguments = CommandLine.arguments.dropFirst()
let options = EdgeDaemon.Options.from(environment: environment)
if arguments.contains("--version") || arguments.contains("-V") {
    print("aziot-edged \(options.version)")
    exit(0)
}
SyslogPrefixLogHandler.bootstrap(level: EdgedLogLevel.parse(environment["AZIOT_LOG"]))
let logger = Logger(label: "aziot-edged")

let configuration: EdgedConfiguration
do {
    configuration = try EdgedConfiguration.load(environment: environment)
} catch {
    let files = EdgedConfiguration.files(environment: environment)
    logger.error("!!! invalid configuration (\(files.mainFile), \(files.directory)): \(error)")
    exit(153)
}

let daemon = EdgeDaemon(configuration: configuration, options: options, environment: environment, logger: logger)
let group = ServiceGroup(
    configuration: .init(
        services: [.init(service: daemon, successTerminationBehavior: .gracefullyShutdownGroup)],
        gracefulShutdownSignals: [.sigterm, .sigint],
        logger: logger
    )
)
do {
    try await group.run()
} catch {
    logger.error("!!! \(error)")
    exit(1)
}
switch daemon.outcome {
case .reprovisioned:
    logger.info("Reprovisioned; exiting to be restarted")
    exit(154)
default:
    logger.info("Stopped")
    exit(0)
}
