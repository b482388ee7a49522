import ArgumentParser
import DaemonLogging
import Logging
import MQTTBroker
import MQTTServer
import MQTTTransport
import NIOCore
import NIOPosix
import ServiceLifecycle
import UnixSignals

/// `mqtt-broker`: an in-memory MQTT 3.1.1 broker over TCP and/or TLS, the interoperability test bed.
@main
struct BrokerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mqtt-broker",
        abstract: "An in-memory MQTT 3.1.1 broker (topic-filter routing, QoS 0/1/2, persistent sessions, TLS)."
    )

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Plain-TCP port; 0 picks a free port, -1 disables the plain listener.")
    var port = 1883

    @Option(help: "TLS port; needs --cert and --key.")
    var tlsPort: Int?

    @Option(help: "PEM certificate chain of the server (leaf first).")
    var cert: String?

    @Option(help: "PEM private key of the server.")
    var key: String?

    @Option(help: "PEM CA certificates that client certificates must chain to (requires a client certificate).")
    var clientCa: String?

    @Option(help: "Largest packet accepted, in bytes.")
    var maxPacketSize = 262_144

    @Option(help: "Unacknowledged QoS 1 messages per subscriber.")
    var inflightWindow = 100

    @Option(help: "Queued messages per connected subscriber before publishers are slowed down.")
    var maxQueued = 1000

    @Option(help: "Event-loop threads. One avoids a cross-thread hop per message and measured best on 2 cores (bench/).")
    var threads = 1

    @Option(help: "Log level: trace, debug, info, warning, error.")
    var logLevel = "info"

    mutating func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level must be one of trace, debug, info, warning, error")
        }
        if tlsPort != nil && (cert == nil || key == nil) {
            throw ValidationError("--tls-port needs --cert and --key")
        }
        if threads < 1 {
            throw ValidationError("--threads must be at least 1")
        }
        if port < 0 && tlsPort == nil {
            throw ValidationError("no listener: give --port or --tls-port")
        }
    }

    func run() async throws {
        SyslogPrefixLogHandler.bootstrap(level: Logger.Level(rawValue: logLevel) ?? .info)
        let logger = Logger(label: "mqtt-broker")
        let broker = InMemoryBroker(logger: logger)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        var base = MQTTServerConfiguration(host: host, maxPacketSize: maxPacketSize, inflightWindow: inflightWindow, maxQueuedMessages: maxQueued)
        var services: [any Service] = []
        if port >= 0 {
            base.port = port
            services.append(try MQTTServer(configuration: base, delegate: broker, logger: logger, eventLoopGroup: group))
        }
        if let tlsPort, let cert, let key {
            var tls = base
            tls.port = tlsPort
            let clientCertificates: MQTTTLSConfiguration.ClientCertificates = clientCa.map { .required(trustRootsPEMFile: $0) } ?? .none
            tls.tls = .init(
                configuration: try MQTTTLSConfiguration.server(
                    certificateChainPEMFile: cert,
                    privateKeyPEMFile: key,
                    clientCertificates: clientCertificates
                )
            )
            services.append(try MQTTServer(configuration: tls, delegate: broker, logger: logger, eventLoopGroup: group))
        }
        let serviceGroup = ServiceGroup(
            configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        )
        try await serviceGroup.run()
    }
}
