import Foundation
import Logging
import MQTTBroker
import MQTTProtocol
import MQTTServer
import MQTTTestSupport
import MQTTTransport
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization
import Testing


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
