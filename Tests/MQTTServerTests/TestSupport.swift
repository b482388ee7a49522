import Foundation
import Logging
import MQTTBroker
import MQTTProtocol
import MQTTServer
import MQTTTransport
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization
import Testing

// MARK: Failures and logging

/// A test-side failure with a readable message (a timeout, an unexpected packet, a closed connection).
struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Silent unless `MQTT_TEST_LOG` is set to a log level (e.g. `MQTT_TEST_LOG=debug swift test ...`).
let testLogger: Logger = {
    guard let level = ProcessInfo.processInfo.environment["MQTT_TEST_LOG"].flatMap(Logger.Level.init(rawValue:)) else {
        return Logger(label: "mqtt-test", factory: { _ in SwiftLogNoOpLogHandler() })
    }
    var logger = Logger(label: "mqtt-test", factory: { StreamLogHandler.standardError(label: $0) })
    logger.logLevel = level
    return logger
}()

/// Polls `condition` until it holds or `timeout` passes; returns whether it held.
func eventually(timeout: Duration = .seconds(10), _ condition: () async throws -> Bool) async rethrows -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while clock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return try await condition()
}

// MARK: Server

/// An ``InMemoryBroker`` that also records connections and disconnections, so tests can wait for the server
/// to have noticed that a connection ended (``MQTTServerDelegate/clientDisconnected(_:reason:)`` comes after the
/// session is detached and the will published).
final class RecordingBroker: MQTTServerDelegate {
    typealias Identity = String

    let broker: InMemoryBroker
    private let events = Mutex<(connected: [String], disconnected: [(clientID: String, reason: MQTTDisconnectReason)])>(([], []))

    init(_ broker: InMemoryBroker) { self.broker = broker }

    func authenticate(_ request: MQTTConnectRequest) async -> MQTTAuthenticationResult<String> {
        await broker.authenticate(request)
    }

    func receive(_ message: PublishPacket, from client: MQTTConnectedClient<String>, on eventLoop: any EventLoop) -> EventLoopFuture<Void> {
        let fail = failures.withLock { $0.remove(message.topic) != nil }
        if fail { return eventLoop.makeFailedFuture(TestFailure("refused by the test delegate")) }
        return broker.receive(message, from: client, on: eventLoop)
    }

    private let failures = Mutex<Set<String>>([])

    /// Makes the next inbound message on `topic` fail (the delegate does not accept it).
    func failOnce(topic: String) {
        _ = failures.withLock { $0.insert(topic) }
    }

    func subscribe(_ subscriptions: [SubscribePacket.Subscription], from client: MQTTConnectedClient<String>) async -> [SubAckPacket.ReturnCode] {
        await broker.subscribe(subscriptions, from: client)
    }

    func unsubscribe(_ filters: [String], from client: MQTTConnectedClient<String>) async {
        await broker.unsubscribe(filters, from: client)
    }

    func clientConnected(_ client: MQTTConnectedClient<String>) {
        broker.clientConnected(client)
        events.withLock { $0.connected.append(client.clientID) }
    }

    func clientDisconnected(_ client: MQTTConnectedClient<String>, reason: MQTTDisconnectReason) {
        broker.clientDisconnected(client, reason: reason)
        events.withLock { $0.disconnected.append((client.clientID, reason)) }
    }

    func sessionEnded(_ session: MQTTSession) {
        broker.sessionEnded(session)
    }

    func publishWill(_ will: PublishPacket, from client: MQTTConnectedClient<String>, on eventLoop: any EventLoop) {
        broker.publishWill(will, from: client, on: eventLoop)
    }

    /// How often `clientID` connected (was accepted).
    func connections(of clientID: String) -> Int {
        events.withLock { $0.connected.filter { $0 == clientID }.count }
    }

    /// The reasons of the ended connections of `clientID`, oldest first.
    func disconnections(of clientID: String) -> [MQTTDisconnectReason] {
        events.withLock { $0.disconnected.filter { $0.clientID == clientID }.map(\.reason) }
    }
}

/// A running ``MQTTServer`` with an ``InMemoryBroker`` on 127.0.0.1 and a free port.
struct TestServer: Sendable {
    let server: MQTTServer<RecordingBroker>
    let recorder: RecordingBroker
    let address: SocketAddress

    var broker: InMemoryBroker { recorder.broker }

    var port: Int { address.port ?? 0 }

    /// Opens a raw connection to this server (not yet MQTT-connected).
    func open(tls: NIOSSLContext? = nil, receiveBufferSize: Int? = nil) async throws -> TestClient {
        try await TestClient.open(address, tls: tls, receiveBufferSize: receiveBufferSize)
    }

    /// Opens a connection and completes CONNECT / CONNACK 0.
    func connect(
        _ clientID: String,
        cleanSession: Bool = true,
        keepAlive: UInt16 = 60,
        will: ConnectPacket.Will? = nil,
        expectSessionPresent: Bool? = nil,
        receiveBufferSize: Int? = nil
    ) async throws -> TestClient {
        let client = try await open(receiveBufferSize: receiveBufferSize)
        do {
            let ack = try await client.connect(clientID, cleanSession: cleanSession, keepAlive: keepAlive, will: will)
            guard ack.returnCode == .accepted else { throw TestFailure("CONNECT of \(clientID) refused: \(ack.returnCode)") }
            if let expectSessionPresent, ack.sessionPresent != expectSessionPresent {
                throw TestFailure("CONNACK session-present is \(ack.sessionPresent) for \(clientID), expected \(expectSessionPresent)")
            }
            return client
        } catch {
            client.close()
            throw error
        }
    }

    /// Waits until the server has forgotten the session of `clientID` (a clean session whose connection ended),
    /// which happens after the will, if any, has been published.
    func waitForSessionGone(_ clientID: String) async throws {
        guard await eventually({ server.session(for: clientID) == nil }) else {
            throw TestFailure("the server still holds a session for \(clientID)")
        }
    }

    /// Waits until the server has seen `count` connections of `clientID` end; returns their reasons.
    @discardableResult
    func waitForDisconnections(_ clientID: String, count: Int = 1) async throws -> [MQTTDisconnectReason] {
        guard await eventually({ recorder.disconnections(of: clientID).count >= count }) else {
            throw TestFailure("the server saw \(recorder.disconnections(of: clientID).count) of \(count) disconnections of \(clientID)")
        }
        return recorder.disconnections(of: clientID)
    }

    /// Waits until the session of `clientID` holds a subscription to `filter`.
    func waitForSubscription(_ clientID: String, _ filter: String) async throws {
        guard await eventually({ server.session(for: clientID)?.subscriptions[filter] != nil }) else {
            throw TestFailure("\(clientID) never got a subscription to \(filter)")
        }
    }
}

/// Starts a server (configured by `configure`), runs `body`, then stops the server's listener.
func withServer<T>(
    _ configure: (inout MQTTServerConfiguration) throws -> Void = { _ in },
    authenticator: InMemoryBroker.Authenticator? = nil,
    _ body: (TestServer) async throws -> T
) async throws -> T {
    var configuration = MQTTServerConfiguration(host: "127.0.0.1", port: 0)
    try configure(&configuration)
    let recorder = RecordingBroker(InMemoryBroker(logger: testLogger, authenticator: authenticator))
    let server = try MQTTServer(configuration: configuration, delegate: recorder, logger: testLogger)
    let address = try await server.start()
    let handle = TestServer(server: server, recorder: recorder, address: address)
    do {
        let result = try await body(handle)
        await server.stop()
        return result
    } catch {
        await server.stop()
        throw error
    }
}

/// Records every CONNECT the authenticator sees.
final class ConnectRecorder: Sendable {
    private let requests = Mutex<[MQTTConnectRequest]>([])

    var all: [MQTTConnectRequest] { requests.withLock { $0 } }

    func record(_ request: MQTTConnectRequest) {
        requests.withLock { $0.append(request) }
    }

    /// An authenticator that records and then answers with `decide`.
    func authenticator(
        _ decide: @escaping @Sendable (MQTTConnectRequest) -> MQTTAuthenticationResult<String> = { .accept($0.clientID) }
    ) -> InMemoryBroker.Authenticator {
        { request in
            self.record(request)
            return decide(request)
        }
    }
}

// MARK: Raw MQTT client

/// What a raw connection saw next.
enum ClientEvent: Sendable, CustomStringConvertible {
    case packet(MQTTPacket)
    case closed
    case failed(String)

    var description: String {
        switch self {
        case .packet(let packet): "\(packet.type)"
        case .closed: "connection closed"
        case .failed(let error): "error: \(error)"
        }
    }
}

/// Packets received on a connection, in order, with one waiting reader at a time.
final class PacketInbox: Sendable {
    private struct Waiter {
        var id: UInt64
        var continuation: CheckedContinuation<ClientEvent?, Never>
        var timeout: Scheduled<Void>?
    }

    private struct State {
        var queue: [MQTTPacket] = []
        var end: ClientEvent?
        var waiter: Waiter?
        var nextWaiterID: UInt64 = 0
    }

    private let state = Mutex(State())

    func receive(_ packet: MQTTPacket) { deliver(.packet(packet)) }

    func finish(_ event: ClientEvent) { deliver(event) }

    private func deliver(_ event: ClientEvent) {
        let waiter: Waiter? = state.withLock { state in
            if case .packet(let packet) = event {
                if let waiter = state.waiter {
                    state.waiter = nil
                    return waiter
                }
                state.queue.append(packet)
                return nil
            }
            if state.end == nil { state.end = event }
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.timeout?.cancel()
        waiter?.continuation.resume(returning: event)
    }

    /// Puts packets back at the front, in order (they were read while looking for another one).
    func unread(_ packets: [MQTTPacket]) {
        guard !packets.isEmpty else { return }
        state.withLock { $0.queue.insert(contentsOf: packets, at: 0) }
    }

    /// The next event, or nil after `timeout`.
    func next(timeout: Duration, on eventLoop: any EventLoop) async -> ClientEvent? {
        await withCheckedContinuation { (continuation: CheckedContinuation<ClientEvent?, Never>) in
            enum Outcome { case now(ClientEvent), waiting(UInt64) }
            let outcome: Outcome = state.withLock { state in
                if !state.queue.isEmpty { return .now(.packet(state.queue.removeFirst())) }
                if let end = state.end { return .now(end) }
                precondition(state.waiter == nil, "one reader at a time")
                state.nextWaiterID += 1
                state.waiter = Waiter(id: state.nextWaiterID, continuation: continuation)
                return .waiting(state.nextWaiterID)
            }
            guard case .waiting(let id) = outcome else {
                if case .now(let event) = outcome { continuation.resume(returning: event) }
                return
            }
            let nanoseconds = Int64(timeout.components.seconds) * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000
            let scheduled = eventLoop.scheduleTask(in: .nanoseconds(nanoseconds)) { self.expire(waiterID: id) }
            let resolved: Bool = state.withLock { state in
                guard state.waiter?.id == id else { return true }
                state.waiter?.timeout = scheduled
                return false
            }
            if resolved { scheduled.cancel() }
        }
    }

    /// Times out the waiter `waiterID`, if it is still waiting (a cancelled timer may still fire).
    private func expire(waiterID: UInt64) {
        let waiter: Waiter? = state.withLock { state in
            guard let waiter = state.waiter, waiter.id == waiterID else { return nil }
            state.waiter = nil
            return waiter
        }
        waiter?.continuation.resume(returning: nil)
    }
}

private final class InboxHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = MQTTPacket
    let inbox: PacketInbox

    init(inbox: PacketInbox) { self.inbox = inbox }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        inbox.receive(unwrapInboundIn(data))
    }

    func channelInactive(context: ChannelHandlerContext) {
        inbox.finish(.closed)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let error = error as? IOError, error.errnoCode == ECONNRESET {
            inbox.finish(.closed)
        } else {
            inbox.finish(.failed("\(error)"))
        }
        context.close(promise: nil)
    }
}

/// A raw MQTT connection for tests: writes packets (or arbitrary bytes) and reads what the server answers,
/// decoded with the project's codec. Nothing is automatic: no keep-alive, no acknowledgements.
final class TestClient: Sendable {
    let channel: any Channel
    let inbox: PacketInbox

    private init(channel: any Channel, inbox: PacketInbox) {
        self.channel = channel
        self.inbox = inbox
    }

    static func open(
        _ address: SocketAddress,
        tls: NIOSSLContext? = nil,
        serverHostname: String? = "localhost",
        receiveBufferSize: Int? = nil
    ) async throws -> TestClient {
        let inbox = PacketInbox()
        var bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(10))
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
        if let receiveBufferSize {
            bootstrap = bootstrap.channelOption(.socketOption(.so_rcvbuf), value: SocketOptionValue(receiveBufferSize))
        }
        let channel = try await bootstrap.channelInitializer { channel in
            channel.eventLoop.makeCompletedFuture {
                let pipeline = channel.pipeline.syncOperations
                if let tls {
                    try pipeline.addHandler(NIOSSLClientHandler(context: tls, serverHostname: serverHostname))
                }
                try pipeline.addHandler(ByteToMessageHandler(MQTTPacketDecoder(maxPacketSize: 64 << 20)))
                try pipeline.addHandler(InboxHandler(inbox: inbox))
            }
        }
        .connect(to: address).get()
        return TestClient(channel: channel, inbox: inbox)
    }

    /// Closes the connection without DISCONNECT (the server sees a lost connection).
    func close() {
        channel.close(promise: nil)
    }

    // MARK: Writing

    /// Writes all packets in a single write (coalesced on the wire).
    func send(_ packets: MQTTPacket...) async throws {
        try await send(packets)
    }

    func send(_ packets: [MQTTPacket]) async throws {
        var buffer = channel.allocator.buffer(capacity: 256)
        for packet in packets { packet.encode(into: &buffer) }
        try await channel.writeAndFlush(buffer).get()
    }

    /// Writes all packets without waiting for the socket to take them (it may not, when the server pushes back).
    func sendWithoutWaiting(_ packets: [MQTTPacket]) {
        var buffer = channel.allocator.buffer(capacity: 256)
        for packet in packets { packet.encode(into: &buffer) }
        channel.writeAndFlush(buffer, promise: nil)
    }

    func sendRaw(_ bytes: [UInt8]) async throws {
        try await channel.writeAndFlush(channel.allocator.buffer(bytes: bytes)).get()
    }

    /// Stops or resumes reading from the socket (a subscriber that does not read).
    func setReading(_ reading: Bool) async throws {
        try await channel.setOption(ChannelOptions.autoRead, value: reading).get()
        if reading { channel.read() }
    }

    // MARK: Reading

    func event(timeout: Duration = .seconds(10)) async -> ClientEvent? {
        await inbox.next(timeout: timeout, on: channel.eventLoop)
    }

    /// The next packet; throws when the connection closes or nothing arrives within `timeout`.
    func next(timeout: Duration = .seconds(10)) async throws -> MQTTPacket {
        switch await event(timeout: timeout) {
        case .packet(let packet): return packet
        case .closed: throw TestFailure("connection closed while waiting for a packet")
        case .failed(let error): throw TestFailure("connection failed while waiting for a packet: \(error)")
        case nil: throw TestFailure("no packet within \(timeout)")
        }
    }

    /// The first packet satisfying `predicate`; packets read before it are kept, in order, for later reads.
    func next<T>(timeout: Duration = .seconds(10), _ predicate: (MQTTPacket) -> T?) async throws -> T {
        var skipped: [MQTTPacket] = []
        defer { inbox.unread(skipped) }
        while true {
            let packet = try await next(timeout: timeout)
            if let match = predicate(packet) { return match }
            skipped.append(packet)
        }
    }

    func nextPublish(timeout: Duration = .seconds(10)) async throws -> PublishPacket {
        let packet = try await next(timeout: timeout)
        guard case .publish(let publish) = packet else { throw TestFailure("expected PUBLISH, got \(packet.type)") }
        return publish
    }

    /// Waits for `count` PUBLISH packets, failing on anything else.
    func publishes(_ count: Int, timeout: Duration = .seconds(10)) async throws -> [PublishPacket] {
        var result: [PublishPacket] = []
        for _ in 0..<count { result.append(try await nextPublish(timeout: timeout)) }
        return result
    }

    /// True once the server has closed the connection (packets before it are skipped), false after `timeout`.
    func waitForClose(timeout: Duration = .seconds(10)) async -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while clock.now < deadline {
            switch await event(timeout: deadline - clock.now) {
            case .packet: continue
            case .closed, .failed: return true
            case nil: return false
            }
        }
        return false
    }

    /// Fails unless nothing at all arrives (and the connection stays open) for `duration`.
    func expectSilence(for duration: Duration) async throws {
        if let event = await event(timeout: duration) {
            throw TestFailure("expected nothing for \(duration), got \(event)")
        }
    }

    // MARK: MQTT conveniences

    func connect(
        _ clientID: String,
        cleanSession: Bool = true,
        keepAlive: UInt16 = 60,
        will: ConnectPacket.Will? = nil,
        username: String? = nil,
        password: [UInt8]? = nil
    ) async throws -> ConnAckPacket {
        try await send(
            .connect(ConnectPacket(clientID: clientID, cleanSession: cleanSession, keepAlive: keepAlive, will: will, username: username, password: password))
        )
        let packet = try await next()
        guard case .connack(let ack) = packet else { throw TestFailure("expected CONNACK, got \(packet.type)") }
        return ack
    }

    /// Subscribes and returns the SUBACK codes. PUBLISH packets may legitimately precede the SUBACK
    /// (retained messages, §3.8.4); they stay queued for later reads.
    @discardableResult
    func subscribe(_ filters: [(String, QoS)], packetID: UInt16 = 1) async throws -> [SubAckPacket.ReturnCode] {
        try await send(.subscribe(SubscribePacket(packetID: packetID, subscriptions: filters.map { .init(filter: $0.0, qos: $0.1) })))
        let ack = try await next { packet -> SubAckPacket? in
            if case .suback(let ack) = packet { return ack }
            return nil
        }
        guard ack.packetID == packetID else { throw TestFailure("SUBACK for packet \(ack.packetID), expected \(packetID)") }
        return ack.returnCodes
    }

    @discardableResult
    func subscribe(_ filter: String, qos: QoS = .atLeastOnce, packetID: UInt16 = 1) async throws -> [SubAckPacket.ReturnCode] {
        try await subscribe([(filter, qos)], packetID: packetID)
    }

    /// Publishes; at QoS 1 waits for the PUBACK of `packetID` (other packets stay queued).
    func publish(
        _ topic: String,
        _ payload: String,
        qos: QoS = .atMostOnce,
        retain: Bool = false,
        packetID: UInt16 = 1
    ) async throws {
        let packet = PublishPacket(
            topic: topic,
            payload: ByteBuffer(string: payload),
            qos: qos,
            retain: retain,
            packetID: qos == .atMostOnce ? nil : packetID
        )
        try await send(.publish(packet))
        switch qos {
        case .atMostOnce:
            break
        case .atLeastOnce:
            try await next { packet -> Void? in
                if case .puback(let id) = packet, id == packetID { return () }
                return nil
            }
        case .exactlyOnce:
            try await next { packet -> Void? in
                if case .pubrec(let id) = packet, id == packetID { return () }
                return nil
            }
            try await send(.pubrel(packetID: packetID))
            try await next { packet -> Void? in
                if case .pubcomp(let id) = packet, id == packetID { return () }
                return nil
            }
        }
    }

    /// PINGREQ → PINGRESP; throws if the connection is gone.
    func ping(timeout: Duration = .seconds(10)) async throws {
        try await send(.pingreq)
        try await next(timeout: timeout) { packet -> Void? in packet == .pingresp ? () : nil }
    }

    func disconnect() async throws {
        try await send(.disconnect)
        _ = await waitForClose()
    }
}

extension PublishPacket {
    var payloadString: String { String(buffer: payload) }
}

extension MQTTPacket {
    /// The wire bytes of this packet.
    var bytes: [UInt8] {
        var buffer = ByteBuffer()
        encode(into: &buffer)
        return Array(buffer: buffer)
    }
}

/// A subscriber sees: topic, payload, QoS, retain.
struct Delivery: Hashable, CustomStringConvertible {
    var topic: String
    var payload: String
    var qos: QoS
    var retain: Bool

    init(_ topic: String, _ payload: String, qos: QoS = .atMostOnce, retain: Bool = false) {
        self.topic = topic
        self.payload = payload
        self.qos = qos
        self.retain = retain
    }

    init(_ publish: PublishPacket) {
        self.init(publish.topic, publish.payloadString, qos: publish.qos, retain: publish.retain)
    }

    var description: String { "\(topic)|\(payload)|q\(qos.rawValue)|r\(retain ? 1 : 0)" }
}

/// SplitMix64: a tiny seeded generator so chunkings reproduce.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

// MARK: PKI

/// A CA, a server certificate for localhost/127.0.0.1 and a client certificate (CN=client1) made by
/// `scripts/make-test-pki.sh`, plus a self-signed "rogue" client certificate from no known CA.
struct TestPKI: Sendable {
    let directory: String

    var caPEM: String { directory + "/ca.pem" }
    var serverChainPEM: String { directory + "/server-chain.pem" }
    var serverKey: String { directory + "/server.key" }
    var clientPEM: String { directory + "/client1.pem" }
    var clientKey: String { directory + "/client1.key" }
    var roguePEM: String { directory + "/rogue.pem" }
    var rogueKey: String { directory + "/rogue.key" }

    /// One PKI per test process (RSA key generation is slow).
    static func shared() throws -> TestPKI { try cached.get() }

    private static let cached: Result<TestPKI, TestFailure> = {
        do {
            let pki = try make()
            atexit {
                if case .success(let pki) = TestPKI.cached { try? FileManager.default.removeItem(atPath: pki.directory) }
            }
            return .success(pki)
        } catch {
            return .failure(TestFailure("\(error)"))
        }
    }()

    private static func make() throws(TestFailure) -> TestPKI {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("mqtt-server-tests-pki-\(ProcessInfo.processInfo.processIdentifier)-\(UInt32.random(in: 0...UInt32.max))")
            .path
        let script = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("scripts/make-test-pki.sh").path
        try runTool("/bin/bash", [script, directory])
        try runTool(
            "/usr/bin/env",
            [
                "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30", "-subj", "/CN=rogue",
                "-keyout", directory + "/rogue.key", "-out", directory + "/rogue.pem",
                "-addext", "extendedKeyUsage=clientAuth",
            ]
        )
        return TestPKI(directory: directory)
    }

    private static func runTool(_ executable: String, _ arguments: [String]) throws(TestFailure) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw TestFailure("cannot run \(executable): \(error)")
        }
        defer { if process.isRunning { process.terminate() } }
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw TestFailure("\(executable) \(arguments.joined(separator: " ")) exited with \(process.terminationStatus)")
        }
    }
}

/// The common name of a certificate's subject.
func commonName(of certificate: NIOSSLCertificate) -> String? {
    certificate.subjectName.last { $0.type == .commonName }?.value
}
