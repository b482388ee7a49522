import Foundation
import Hummingbird
import HummingbirdCore
public import Logging
import MQTTServer
import MQTTTransport
import NIOCore
import NIOSSL
public import ServiceLifecycle
import SwiftASN1
import X509

/// A running IoT Hub emulator: the registry on disk, the device-facing MQTT gateway over TLS and, over HTTPS, the
/// service REST API and the Device Provisioning Service (device registration and enrollments), sharing one CA that
/// the emulator made on its first start.
public final class HubEmulatorServer: Service, Sendable {
    /// Ports actually bound (useful when the configuration asked for 0).
    public struct Endpoints: Sendable {
        public var mqttPort: Int
        public var httpsPort: Int
    }

    public let configuration: HubEmulatorConfiguration
    public let registry: HubRegistry
    public let gateway: DeviceGateway
    public let pki: EmulatorPKI
    /// The Device Provisioning Service's device side (registration against the enrollments in ``registry``).
    public let provisioning: DeviceProvisioning
    /// The `iothubowner` policy (full rights), made on first start.
    public let ownerPolicy: SharedAccessPolicy
    private let policies: [SharedAccessPolicy]
    private let trustedCAs: [Certificate]
    private let logger: Logger
    private let onReady: @Sendable (Endpoints) async -> Void

    public init(configuration: HubEmulatorConfiguration, logger: Logger, onReady: @escaping @Sendable (Endpoints) async -> Void = { _ in }) throws {
        self.configuration = configuration
        self.logger = logger
        self.onReady = onReady
        try FileManager.default.createDirectory(atPath: configuration.dataDirectory, withIntermediateDirectories: true)
        pki = try EmulatorPKI.ensure(in: configuration.dataDirectory, hostName: configuration.hostName, additionalNames: [configuration.dpsHostName])
        policies = try Self.loadPolicies(configuration.dataDirectory + "/policies.json")
        ownerPolicy = policies.first { $0.name == "iothubowner" } ?? policies[0]
        registry = try HubRegistry(path: configuration.dataDirectory + "/registry.sqlite", logger: logger)
        trustedCAs = try configuration.deviceCAFiles.flatMap { path in
            try PEMDocument.parseMultiple(pemString: String(contentsOfFile: path, encoding: .utf8)).map { try Certificate(pemDocument: $0) }
        }
        gateway = DeviceGateway(registry: registry, hostNames: Self.hostNames(configuration.hostName), logger: logger, trustedCAs: trustedCAs)
        provisioning = DeviceProvisioning(registry: registry, idScope: configuration.idScope, hubHostName: configuration.hostName, logger: logger)
    }

    /// The service connection string of `iothubowner`.
    public var serviceConnectionString: String { ownerPolicy.connectionString(hostName: configuration.hostName) }

    public func run() async throws {
        let mqttTLS = try MQTTTLSConfiguration.server(
            certificateChainPEMFile: pki.serverChainPath,
            privateKeyPEMFile: pki.serverKeyPath,
            clientCertificates: .optional
        )
        let mqtt = try MQTTServer(
            configuration: MQTTServerConfiguration(
                host: configuration.bindHost,
                port: configuration.mqttPort,
                tls: .init(configuration: mqttTLS, acceptsAnyClientCertificate: true),
                maxPacketSize: 262_144 + 65_536,
                maxKeepAlive: .seconds(1740 * 3 / 2)
            ),
            delegate: gateway,
            logger: logger
        )
        let mqttAddress = try await mqtt.start()
        var httpsTLS = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(pki.serverChainPath).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: pki.serverKeyPath, format: .pem))
        )
        httpsTLS.minimumTLSVersion = .tlsv12
        let api = ServiceAPI(
            registry: registry, gateway: gateway, policies: policies, hostNames: Self.hostNames(configuration.hostName),
            provisioning: provisioning, dpsHostName: configuration.dpsHostName, trustedCAs: trustedCAs)
        let tlsConfiguration = httpsTLS
        let onReady = self.onReady
        let logger = self.logger
        let app = Application(
            router: api.router(),
            server: HTTPServerBuilder { responder in
                try ClientCertificateTLSChannel(HTTP1Channel(responder: responder), configuration: tlsConfiguration)
            },
            configuration: .init(address: .hostname(configuration.bindHost, port: configuration.httpsPort), serverName: "iothub-emulator"),
            onServerRunning: { channel in
                let endpoints = Endpoints(mqttPort: mqttAddress.port ?? 0, httpsPort: channel.localAddress?.port ?? 0)
                logger.info("IoT Hub emulator ready: MQTT/TLS on \(endpoints.mqttPort), HTTPS on \(endpoints.httpsPort)")
                await onReady(endpoints)
            },
            logger: logger
        )
        do {
            try await app.run()
        } catch {
            await mqtt.stop()
            throw error
        }
        await mqtt.stop()
    }

    /// Names a token audience may carry: the configured host name, plus `localhost` for local tools.
    static func hostNames(_ hostName: String) -> [String] {
        hostName == "localhost" ? [hostName] : [hostName, "localhost"]
    }

    private static func loadPolicies(_ path: String) throws -> [SharedAccessPolicy] {
        if let data = FileManager.default.contents(atPath: path) {
            let policies = try JSONDecoder().decode([SharedAccessPolicy].self, from: data)
            if !policies.isEmpty { return policies }
        }
        let policies = [SharedAccessPolicy.generate(name: "iothubowner")]
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(policies).write(to: URL(fileURLWithPath: path), options: .atomic)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        return policies
    }
}
