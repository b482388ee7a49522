import DaemonLogging
import Logging
import UnixSocketHTTP

#if canImport(Glibc)
import Glibc
#endif

// aziotd: one binary for aziot-keyd, aziot-certd and aziot-identityd, chosen by the name it runs as.
let environment = ProcessEnvironment.current
let kind: AziotDaemonKind
let arguments: [String]
do {
    (kind, arguments) = try AziotDaemonKind.resolve(CommandLine.arguments)
} catch {
    let line = "\(error)\n"
    _ = line.withCString { write(2, $0, strlen($0)) }
    exit(2)
}
if arguments.contains("--version") || arguments.contains("-V") {
    print("\(kind.programName) \(DaemonSupport.version)")
    exit(0)
}
SyslogPrefixLogHandler.bootstrap(level: DaemonSupport.logLevel(environment))
let logger = Logger(label: kind.programName)
do {
    switch kind {
    case .keyd, .certd:
        logger.info("Starting service...")
        logger.info("Version - \(DaemonSupport.version)")
        if kind == .keyd {
            try await KeydDaemon.run(environment: environment, logger: logger)
        } else {
            try await CertdDaemon.run(environment: environment, logger: logger)
        }
    case .identityd:
        // identityd logs its own start-up lines, in the reference's order around provisioning.
        try await IdentitydDaemon.run(environment: environment, logger: logger)
    }
} catch {
    logger.error("!!! \(error)")
    exit(1)
}
