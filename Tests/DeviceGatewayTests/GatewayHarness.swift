import Foundation
import HubEmulator
import IoTHubProtocol
import Logging
import MQTTClient
import MQTTProtocol
import MQTTServer
import MQTTTestSupport
import MQTTTransport
import NIOCore
import NIOPosix
import NIOSSL
import SwiftASN1
import Synchronization
import Testing
import X509

/// The hub host name the gateway accepts in SAS audiences and the devices put in their user names.
let hubHostName = "testhub.local"

/// A SAS key (base64 of 32 bytes) recognisable in failures.
func fixedKey(_ byte: UInt8) -> String {
    Data(repeating: byte, count: 32).base64EncodedString()
}

/// A SQLite file in a fresh temporary directory, reopenable for restart tests.
struct RegistryFile: Sendable {
    let directory: URL
    let path: String

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("DeviceGatewayTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        path = directory.appendingPathComponent("registry.sqlite").path
    }

    func open() throws -> HubRegistry {
        try HubRegistry(path: path, logger: makeTestLogger(label: "registry"))
    }

    func remove() {
        try? FileManager.default.removeItem(at: directory)
    }
}

/// A registry, the gateway and our MQTT server over TLS (the shared test PKI's server certificate, client
/// certificates optional and handed to the gateway), listening on a free port of 127.0.0.1.
final class GatewayHarness: Sendable {
    let registry: HubRegistry
    let gateway: DeviceGateway
    let server: MQTTServer<DeviceGateway>
    let port: Int
    let pki: TestPKI

    private init(registry: HubRegistry, gateway: DeviceGateway, server: MQTTServer<DeviceGateway>, port: Int, pki: TestPKI) {
        self.registry = registry
        self.gateway = gateway
        self.server = server
        self.port = port
        self.pki = pki
    }

    static func start(on file: RegistryFile, trustingTestCA: Bool = false) async throws -> GatewayHarness {
        let pki = try TestPKI.shared()
        let registry = try file.open()
        let trustedCAs = trustingTestCA ? [try Certificate(pemEncoded: String(contentsOfFile: pki.caPEM, encoding: .utf8))] : []
        let gateway = DeviceGateway(registry: registry, hostNames: [hubHostName], logger: makeTestLogger(label: "gateway"), trustedCAs: trustedCAs)
        let tls = try MQTTTLSConfiguration.server(
            certificateChainPEMFile: pki.serverChainPEM, privateKeyPEMFile: pki.serverKey, clientCertificates: .optional)
        let server = try MQTTServer(
            configuration: MQTTServerConfiguration(
                host: "127.0.0.1", port: 0, tls: .init(configuration: tls, acceptsAnyClientCertificate: true)),
            delegate: gateway,
            logger: makeTestLogger(label: "server"))
        let address = try await server.start()
        guard let port = address.port else { throw TestFailure("the server has no port") }
        return GatewayHarness(registry: registry, gateway: gateway, server: server, port: port, pki: pki)
    }

    func stop() async {
        await server.stop()
    }

    /// Registers a SAS device with fixed keys.
    @discardableResult
    func addDevice(_ deviceId: String, primaryKey: String, secondaryKey: String? = nil, status: DeviceStatus = .enabled) async throws
        -> DeviceIdentity
    {
        try await registry.createOrUpdateDevice(
            DeviceIdentity(deviceId: deviceId, status: status, authentication: .sas(primaryKey: primaryKey, secondaryKey: secondaryKey ?? fixedKey(0xEE))),
            ifMatch: nil
        ).device
    }

    /// A device client (not yet connected) for `clientID`, trusting the test CA and checking the server's
    /// certificate against `localhost`. No automatic reconnect unless asked for.
    func client(
        clientID: String,
        username: String?,
        password: String?,
        certificate: (pem: String, key: String)? = nil,
        cleanSession: Bool = true
    ) throws -> MQTTClient {
        let tls = try MQTTTLSConfiguration.client(
            trustRootsPEMFile: pki.caPEM, certificateChainPEMFile: certificate?.pem, privateKeyPEMFile: certificate?.key)
        let configuration = MQTTClientConfiguration(
            host: "127.0.0.1",
            port: port,
            tls: tls,
            serverHostname: "localhost",
            clientID: clientID,
            cleanSession: cleanSession,
            keepAlive: 30,
            username: username,
            password: password.map { Array($0.utf8) },
            connectTimeout: .seconds(20),
            reconnect: false
        )
        return try MQTTClient(configuration: configuration, logger: makeTestLogger(label: "device \(clientID)"))
    }

    /// A client with the credentials the Python SDK sends for `deviceId[/moduleId]`, signed with `key`.
    func sasClient(deviceId: String, moduleId: String? = nil, key: String, cleanSession: Bool = true) throws -> MQTTClient {
        let clientID = moduleId.map { "\(deviceId)/\($0)" } ?? deviceId
        return try client(
            clientID: clientID,
            username: sdkUsername(clientID: clientID),
            password: try sasToken(deviceId: deviceId, moduleId: moduleId, key: key),
            cleanSession: cleanSession)
    }

    /// Connects a SAS device client and returns it with its inbox.
    func connectedDevice(_ deviceId: String, moduleId: String? = nil, key: String, cleanSession: Bool = true) async throws
        -> (MQTTClient, Inbox)
    {
        let client = try sasClient(deviceId: deviceId, moduleId: moduleId, key: key, cleanSession: cleanSession)
        try await client.connect()
        return (client, Inbox(client))
    }
}

/// The user name the Python device SDK sends (external-clients §1.2).
func sdkUsername(clientID: String, hostName: String = hubHostName) -> String {
    "\(hostName)/\(clientID)/?api-version=2019-10-01&DeviceClientType=azure-iot-device-iothub-py%2F2.14.0%283.11.7%3BLinux%3Bx86_64%29"
}

/// A SAS token built as the Python SDK builds it (external-clients §1.2): `sr` = percent-encoded
/// `{host}/devices/{deviceId}[/modules/{moduleId}]`, `se` = now + `lifetime` seconds, no `skn`.
func sasToken(
    deviceId: String, moduleId: String? = nil, key: String, hostName: String = hubHostName, lifetime: TimeInterval = 3_600
) throws -> String {
    var resource = "\(hostName)/devices/\(deviceId)"
    if let moduleId { resource += "/modules/\(moduleId)" }
    let expiry = UInt64(max(0, Date().timeIntervalSince1970 + lifetime))
    return try SharedAccessSignature.make(resource: resource, key: key, expiry: expiry).description
}

/// The CONNACK code of a refused connection attempt; nil (and a recorded issue) if it was accepted or failed otherwise.
func refusal(of client: MQTTClient, sourceLocation: SourceLocation = #_sourceLocation) async -> ConnectReturnCode? {
    do {
        try await client.connect()
        Issue.record("the connection was accepted", sourceLocation: sourceLocation)
        await client.disconnect()
        return nil
    } catch let error as MQTTClientError {
        guard error.code == .connectionRefused else {
            Issue.record("expected a refusal, got \(error)", sourceLocation: sourceLocation)
            return nil
        }
        return error.returnCode
    } catch {
        Issue.record("expected a refusal, got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

/// Runs `body`, which must throw a ``HubError``, and returns it (recording an issue otherwise).
func hubError(sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> Void) async -> HubError? {
    do {
        try await body()
        Issue.record("expected a HubError, but nothing was thrown", sourceLocation: sourceLocation)
        return nil
    } catch let error as HubError {
        return error
    } catch {
        Issue.record("expected a HubError, not \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

/// The hex SHA-1 or SHA-256 fingerprint of a PEM certificate, computed by openssl (independently of the gateway).
func fingerprint(ofPEM path: String, sha256: Bool) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["openssl", "x509", "-in", path, "-noout", "-fingerprint", sha256 ? "-sha256" : "-sha1"]
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0, let text = String(data: data, encoding: .utf8), let equals = text.firstIndex(of: "=") else {
        throw TestFailure("openssl could not fingerprint \(path)")
    }
    let hex = text[text.index(after: equals)...].filter(\.isHexDigit)
    guard hex.count == (sha256 ? 64 : 40) else { throw TestFailure("unexpected fingerprint \(text)") }
    return String(hex)
}

/// Parses a JSON payload.
func json(_ buffer: ByteBuffer) throws -> JSONValue {
    try JSONValue(parsing: String(buffer: buffer))
}

func json(_ text: String) throws -> JSONValue {
    try JSONValue(parsing: text)
}

// MARK: Inbox

/// A value behind a lock, shareable by reference.
final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>
    init(_ value: Value) { mutex = Mutex(value) }
    func withLock<T: Sendable>(_ body: (inout sending Value) throws -> sending T) rethrows -> T {
        try mutex.withLock(body)
    }
}

/// Everything the server sends to one client, collected in the background so tests can wait for a message
/// by topic without consuming the others.
final class Inbox: Sendable {
    private let received = Locked<[PublishPacket]>([])
    private let task: Task<Void, Never>

    init(_ client: MQTTClient) {
        let received = self.received
        task = Task {
            for await message in client.messages {
                received.withLock { $0.append(message) }
            }
        }
    }

    deinit { task.cancel() }

    /// Every message received so far, oldest first.
    var all: [PublishPacket] { received.withLock { $0 } }

    /// Removes and returns the oldest message whose topic starts with `prefix`; fails after `timeout`.
    func next(topicPrefix prefix: String, timeout: Duration = .seconds(10)) async throws -> PublishPacket {
        var found: PublishPacket?
        _ = await eventually(timeout: timeout) {
            found = received.withLock { messages in
                guard let index = messages.firstIndex(where: { $0.topic.hasPrefix(prefix) }) else { return nil }
                return messages.remove(at: index)
            }
            return found != nil
        }
        guard let found else {
            throw TestFailure("no message on \(prefix)… within \(timeout); received: \(all.map(\.topic))")
        }
        return found
    }

    /// The number of messages received so far whose topic starts with `prefix`.
    func count(topicPrefix prefix: String) -> Int {
        received.withLock { $0.filter { $0.topic.hasPrefix(prefix) }.count }
    }
}

// MARK: Raw client

/// A bare MQTT connection over TLS that acknowledges nothing: for messages the device must not acknowledge.
final class RawDevice: Sendable {
    private struct Received {
        var packets: [MQTTPacket] = []
        var closed = false
    }

    private let channel: any Channel
    private let received: Locked<Received>

    private final class Collector: ChannelInboundHandler, Sendable {
        typealias InboundIn = MQTTPacket
        let received: @Sendable (MQTTPacket?) -> Void
        init(_ received: @escaping @Sendable (MQTTPacket?) -> Void) { self.received = received }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) { received(unwrapInboundIn(data)) }
        func channelInactive(context: ChannelHandlerContext) {
            received(nil)
            context.fireChannelInactive()
        }
        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            context.close(promise: nil)
        }
    }

    init(port: Int, pki: TestPKI) async throws {
        let context = try NIOSSLContext(configuration: MQTTTLSConfiguration.client(trustRootsPEMFile: pki.caPEM))
        let received = Locked(Received())
        let record: @Sendable (MQTTPacket?) -> Void = { packet in
            received.withLock { state in
                if let packet { state.packets.append(packet) } else { state.closed = true }
            }
        }
        channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(10))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    try pipeline.addHandler(NIOSSLClientHandler(context: context, serverHostname: "localhost"))
                    try pipeline.addHandler(ByteToMessageHandler(MQTTPacketDecoder(maxPacketSize: 1 << 20)))
                    try pipeline.addHandler(MessageToByteHandler(MQTTPacketEncoder()))
                    try pipeline.addHandler(Collector(record))
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        self.received = received
    }

    func send(_ packet: MQTTPacket) async throws {
        try await channel.writeAndFlush(packet)
    }

    /// The next packet from the server; fails after `timeout` or when the connection closes first.
    func next(timeout: Duration = .seconds(10)) async throws -> MQTTPacket {
        var packet: MQTTPacket?
        var closed = false
        _ = await eventually(timeout: timeout) {
            (packet, closed) = received.withLock { state in
                state.packets.isEmpty ? (nil, state.closed) : (state.packets.removeFirst(), false)
            }
            return packet != nil || closed
        }
        guard let packet else { throw TestFailure(closed ? "the connection closed" : "no packet within \(timeout)") }
        return packet
    }

    /// Closes the socket without DISCONNECT.
    func drop() async {
        try? await channel.close()
    }
}
