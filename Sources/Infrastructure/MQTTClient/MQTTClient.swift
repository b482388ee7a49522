import DequeModule
public import Logging
public import MQTTProtocol
import MQTTTransport
public import NIOCore
public import NIOPosix
import NIOSSL
import Synchronization

/// An MQTT 3.1.1 client over TCP or TLS.
///
/// `publish` at QoS 1 or 2 returns once the server has acknowledged the message; an unacknowledged message is sent
/// again (DUP set) after a reconnect, so a call survives a lost connection. After a reconnect without a stored
/// session the client subscribes again to everything it had subscribed to. Inbound messages arrive on ``messages``
/// and are acknowledged once handed over.
public final class MQTTClient: Sendable {
    public let configuration: MQTTClientConfiguration
    /// Messages the server sends, in order. Finishes after ``disconnect()``.
    public let messages: AsyncStream<PublishPacket>

    private let logger: Logger
    private let group: any EventLoopGroup
    private let sslContext: NIOSSLContext?
    private let messagesContinuation: AsyncStream<PublishPacket>.Continuation
    private let state = Mutex(State())

    private enum Phase { case idle, connecting, connected, reconnecting, closed }

    private struct OutboundPublish {
        enum Stage { case awaitingAck, awaitingComplete }
        var packet: PublishPacket
        var stage: Stage
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State: ~Copyable {
        var phase = Phase.idle
        var channel: (any Channel)?
        var nextPacketID: UInt16 = 1
        var outbound: [UInt16: OutboundPublish] = [:]
        var outboundOrder: Deque<UInt16> = []
        var subscribeWaiters: [UInt16: CheckedContinuation<[SubAckPacket.ReturnCode], any Error>] = [:]
        var unsubscribeWaiters: [UInt16: CheckedContinuation<Void, any Error>] = [:]
        var subscriptions: [(filter: String, qos: QoS)] = []
        var incomingQoS2: Set<UInt16> = []
        var reconnectAttempt = 0
    }

    public init(
        configuration: MQTTClientConfiguration,
        logger: Logger = Logger(label: "mqtt-client"),
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) throws {
        self.configuration = configuration
        self.logger = logger
        self.group = eventLoopGroup
        self.sslContext = try configuration.tls.map { try NIOSSLContext(configuration: $0) }
        (self.messages, self.messagesContinuation) = AsyncStream.makeStream(of: PublishPacket.self)
    }

    /// Whether a connection is established now.
    public var isConnected: Bool { state.withLock { $0.phase == .connected } }

    // MARK: Connecting

    /// Connects once; throws ``MQTTClientError`` (with the CONNACK code when refused) or the transport error.
    /// Returns the server's CONNACK (its `sessionPresent` flag tells whether a stored session was resumed).
    @discardableResult
    public func connect() async throws -> ConnAckPacket {
        let proceed = state.withLock { state -> Bool in
            guard state.phase == .idle || state.phase == .closed else { return false }
            state.phase = .connecting
            return true
        }
        guard proceed else { throw MQTTClientError(.protocolViolation, "connect() called while already connected or connecting") }
        do {
            return try await establish()
        } catch {
            state.withLock { $0.phase = .idle }
            throw error
        }
    }

    /// Sends DISCONNECT, closes the connection and fails operations still waiting for the server.
    public func disconnect() async {
        let (channel, waiters) = state.withLock { state in
            state.phase = .closed
            defer { state.channel = nil }
            return (state.channel, Self.takeAllWaiters(&state, includingPublishes: true))
        }
        if let channel {
            try? await channel.writeAndFlush(MQTTPacket.disconnect)
            try? await channel.close()
        }
        waiters(MQTTClientError(.disconnected, "the client disconnected"))
        messagesContinuation.finish()
    }

    private func establish() async throws -> ConnAckPacket {
        var username = configuration.username
        var password = configuration.password
        if let provider = configuration.credentialsProvider {
            (username, password) = try await provider()
        }
        let connect = ConnectPacket(
            clientID: configuration.clientID,
            cleanSession: configuration.cleanSession,
            keepAlive: configuration.keepAlive,
            will: configuration.will,
            username: username,
            password: password
        )
        let eventLoop = group.next()
        let connackPromise = eventLoop.makePromise(of: ConnAckPacket.self)
        let timeout = eventLoop.scheduleTask(in: configuration.connectTimeout) {
            connackPromise.fail(MQTTClientError(.connectTimeout, "no CONNACK from \(self.configuration.host):\(self.configuration.port) within the connect timeout"))
        }
        defer { timeout.cancel() }
        let hostname = configuration.serverHostname ?? configuration.host
        let bootstrap = ClientBootstrap(group: eventLoop)
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .connectTimeout(configuration.connectTimeout)
            .channelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    if let sslContext {
                        let sni = hostname.first?.isNumber == true || hostname.contains(":") ? nil : hostname
                        try pipeline.addHandler(NIOSSLClientHandler(context: sslContext, serverHostname: sni))
                    }
                    try pipeline.addHandler(ByteToMessageHandler(MQTTPacketDecoder(maxPacketSize: configuration.maxPacketSize)))
                    try pipeline.addHandler(MessageToByteHandler(MQTTPacketEncoder()))
                    try pipeline.addHandler(
                        MQTTClientChannelHandler(
                            connack: connackPromise,
                            keepAlive: configuration.keepAlive,
                            onPacket: { [weak self] packet, channel in self?.handle(packet, on: channel) },
                            onClose: { [weak self] channel in self?.connectionClosed(channel) }
                        )
                    )
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(host: configuration.host, port: configuration.port).get()
        } catch {
            connackPromise.fail(error)
            throw error
        }
        channel.writeAndFlush(MQTTPacket.connect(connect), promise: nil)
        let connack: ConnAckPacket
        do {
            connack = try await connackPromise.futureResult.get()
        } catch {
            channel.close(promise: nil)
            throw error
        }
        guard connack.returnCode == .accepted else {
            channel.close(promise: nil)
            throw MQTTClientError.refused(connack.returnCode)
        }
        try await channel.eventLoop.submit { self.connectionEstablished(channel, sessionPresent: connack.sessionPresent) }.get()
        logger.debug("connected to \(configuration.host):\(configuration.port) as \(configuration.clientID)")
        return connack
    }

    /// Runs on the channel's event loop: resends what is unacknowledged, restores subscriptions, goes live.
    private func connectionEstablished(_ channel: any Channel, sessionPresent: Bool) {
        let (resend, resubscribe): ([MQTTPacket], [SubscribePacket.Subscription]) = state.withLock { state in
            state.channel = channel
            state.phase = .connected
            state.reconnectAttempt = 0
            let resend: [MQTTPacket] = state.outboundOrder.compactMap { id in
                guard let operation = state.outbound[id] else { return nil }
                switch operation.stage {
                case .awaitingAck:
                    var packet = operation.packet
                    packet.dup = true
                    return .publish(packet)
                case .awaitingComplete:
                    return .pubrel(packetID: id)
                }
            }
            let resubscribe = sessionPresent ? [] : state.subscriptions.map { SubscribePacket.Subscription(filter: $0.filter, qos: $0.qos) }
            return (resend, resubscribe)
        }
        // Subscriptions first: the server handles packets in order, so messages resent next can reach them.
        if !resubscribe.isEmpty {
            let id = state.withLock { Self.allocatePacketID(&$0) }
            channel.write(MQTTPacket.subscribe(SubscribePacket(packetID: id, subscriptions: resubscribe)), promise: nil)
        }
        for packet in resend { channel.write(packet, promise: nil) }
        channel.flush()
    }

    private func connectionClosed(_ channel: any Channel) {
        let (reconnect, waiters) = state.withLock { state -> (Bool, (MQTTClientError) -> Void) in
            guard state.channel === channel else { return (false, { _ in }) }
            state.channel = nil
            let waiters = Self.takeAllWaiters(&state, includingPublishes: false)
            guard state.phase == .connected else { return (false, waiters) }
            state.phase = configuration.reconnect ? .reconnecting : .idle
            return (configuration.reconnect, waiters)
        }
        waiters(MQTTClientError(.connectionLost, "the connection was lost before the server answered; retry"))
        guard reconnect else { return }
        logger.info("connection to \(configuration.host):\(configuration.port) lost; reconnecting")
        Task { await self.reconnectLoop() }
    }

    private func reconnectLoop() async {
        while true {
            let attempt: Int? = state.withLock { state in
                guard state.phase == .reconnecting else { return nil }
                state.reconnectAttempt += 1
                return state.reconnectAttempt
            }
            guard let attempt else { return }
            let base = configuration.initialReconnectDelay.nanoseconds
            let exponent = min(attempt - 1, 20)
            let delay = min(base << exponent, configuration.maxReconnectDelay.nanoseconds)
            let jittered = delay / 2 + Int64.random(in: 0...max(delay / 2, 1))
            try? await Task.sleep(nanoseconds: UInt64(max(jittered, 0)))
            guard state.withLock({ $0.phase == .reconnecting }) else { return }
            do {
                _ = try await establish()
                logger.info("reconnected to \(configuration.host):\(configuration.port) after \(attempt) attempt(s)")
                return
            } catch {
                logger.info("reconnect attempt \(attempt) failed: \(error)")
            }
        }
    }

    // MARK: Operations

    /// Publishes a message. QoS 0 returns once written; QoS 1 once PUBACKed; QoS 2 once PUBCOMPed. QoS 1 and 2
    /// calls wait across reconnects, the message being sent again with DUP set.
    public func publish(topic: String, payload: ByteBuffer, qos: QoS = .atLeastOnce, retain: Bool = false) async throws {
        do {
            try TopicName.validate(topic)
        } catch {
            throw MQTTClientError(.invalidTopic, "cannot publish: \(error.message)")
        }
        var packet = PublishPacket(topic: topic, payload: payload, qos: qos, retain: retain)
        if qos == .atMostOnce {
            guard let channel = state.withLock({ $0.phase == .connected ? $0.channel : nil }) else {
                throw MQTTClientError(.notConnected, "not connected; QoS 0 messages are not queued (use QoS 1)")
            }
            try await channel.writeAndFlush(MQTTPacket.publish(packet))
            return
        }
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let channel: (any Channel)? = state.withLock { state in
                guard state.phase != .closed, state.phase != .idle else {
                    continuation.resume(throwing: MQTTClientError(.notConnected, "not connected; call connect() first"))
                    return nil
                }
                let id = Self.allocatePacketID(&state)
                packet.packetID = id
                state.outbound[id] = OutboundPublish(packet: packet, stage: .awaitingAck, continuation: continuation)
                state.outboundOrder.append(id)
                return state.phase == .connected ? state.channel : nil
            }
            channel?.writeAndFlush(MQTTPacket.publish(packet), promise: nil)
        }
    }

    /// Convenience for byte arrays and strings.
    public func publish(topic: String, payload: some Sequence<UInt8>, qos: QoS = .atLeastOnce, retain: Bool = false) async throws {
        try await publish(topic: topic, payload: ByteBuffer(bytes: payload), qos: qos, retain: retain)
    }

    /// Subscribes and returns the server's answer per filter. Granted filters are restored after a reconnect that
    /// finds no stored session.
    @discardableResult
    public func subscribe(_ subscriptions: [SubscribePacket.Subscription]) async throws -> [SubAckPacket.ReturnCode] {
        for subscription in subscriptions {
            do {
                try TopicFilter.validate(subscription.filter)
            } catch {
                throw MQTTClientError(.invalidTopic, "cannot subscribe: \(error.message)")
            }
        }
        let codes = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<[SubAckPacket.ReturnCode], any Error>) in
            sendRequest(
                { .subscribe(SubscribePacket(packetID: $0, subscriptions: subscriptions)) },
                notConnected: { continuation.resume(throwing: MQTTClientError(.notConnected, "not connected; subscribe after connect()")) },
                register: { state, id in state.subscribeWaiters[id] = continuation }
            )
        }
        state.withLock { state in
            for (subscription, code) in zip(subscriptions, codes) {
                guard case .granted(let qos) = code else { continue }
                state.subscriptions.removeAll { $0.filter == subscription.filter }
                state.subscriptions.append((subscription.filter, qos))
            }
        }
        return codes
    }

    /// Subscribes to one filter.
    @discardableResult
    public func subscribe(to filter: String, qos: QoS = .atLeastOnce) async throws -> SubAckPacket.ReturnCode {
        try await subscribe([.init(filter: filter, qos: qos)])[0]
    }

    public func unsubscribe(_ filters: [String]) async throws {
        state.withLock { state in state.subscriptions.removeAll { filters.contains($0.filter) } }
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            sendRequest(
                { .unsubscribe(UnsubscribePacket(packetID: $0, filters: filters)) },
                notConnected: { continuation.resume(throwing: MQTTClientError(.notConnected, "not connected")) },
                register: { state, id in state.unsubscribeWaiters[id] = continuation }
            )
        }
    }

    /// Sends a request that the server answers by packet id (SUBSCRIBE, UNSUBSCRIBE): allocates the id, lets
    /// `register` record who waits for the answer, and writes the packet; calls `notConnected` instead when there is
    /// no connection.
    private func sendRequest(
        _ packet: (UInt16) -> MQTTPacket,
        notConnected: () -> Void,
        register: (inout State, UInt16) -> Void
    ) {
        let sent: (any Channel, UInt16)? = state.withLock { state in
            guard state.phase == .connected, let channel = state.channel else { return nil }
            let id = Self.allocatePacketID(&state)
            register(&state, id)
            return (channel, id)
        }
        guard let (channel, id) = sent else { return notConnected() }
        channel.writeAndFlush(packet(id), promise: nil)
    }

    // MARK: Inbound

    private func handle(_ packet: MQTTPacket, on channel: any Channel) {
        switch packet {
        case .publish(let publish):
            receive(publish, on: channel)
        case .puback(let id):
            let continuation = state.withLock { state -> CheckedContinuation<Void, any Error>? in
                guard let operation = state.outbound[id], operation.stage == .awaitingAck, operation.packet.qos == .atLeastOnce else {
                    return nil
                }
                Self.removeOutbound(id, from: &state)
                return operation.continuation
            }
            continuation?.resume()
        case .pubrec(let id):
            state.withLock { state in
                if state.outbound[id]?.packet.qos == .exactlyOnce { state.outbound[id]?.stage = .awaitingComplete }
            }
            channel.writeAndFlush(MQTTPacket.pubrel(packetID: id), promise: nil)
        case .pubcomp(let id):
            let continuation = state.withLock { state -> CheckedContinuation<Void, any Error>? in
                guard let operation = state.outbound[id], operation.packet.qos == .exactlyOnce else { return nil }
                Self.removeOutbound(id, from: &state)
                return operation.continuation
            }
            continuation?.resume()
        case .pubrel(let id):
            _ = state.withLock { $0.incomingQoS2.remove(id) }
            channel.writeAndFlush(MQTTPacket.pubcomp(packetID: id), promise: nil)
        case .suback(let ack):
            state.withLock { $0.subscribeWaiters.removeValue(forKey: ack.packetID) }?.resume(returning: ack.returnCodes)
        case .unsuback(let id):
            state.withLock { $0.unsubscribeWaiters.removeValue(forKey: id) }?.resume()
        case .connect, .subscribe, .unsubscribe, .pingreq, .disconnect, .connack, .pingresp:
            logger.warning("closing connection: the server sent \(packet.type), which servers do not send after CONNACK")
            channel.close(promise: nil)
        }
    }

    private func receive(_ publish: PublishPacket, on channel: any Channel) {
        switch publish.qos {
        case .atMostOnce:
            messagesContinuation.yield(publish)
        case .atLeastOnce:
            messagesContinuation.yield(publish)
            channel.writeAndFlush(MQTTPacket.puback(packetID: publish.packetID ?? 0), promise: nil)
        case .exactlyOnce:
            let id = publish.packetID ?? 0
            if state.withLock({ $0.incomingQoS2.insert(id).inserted }) {
                messagesContinuation.yield(publish)
            }
            channel.writeAndFlush(MQTTPacket.pubrec(packetID: id), promise: nil)
        }
    }

    // MARK: State helpers

    private static func allocatePacketID(_ state: inout State) -> UInt16 {
        while true {
            let id = state.nextPacketID
            state.nextPacketID = id == UInt16.max ? 1 : id + 1
            if state.outbound[id] == nil && state.subscribeWaiters[id] == nil && state.unsubscribeWaiters[id] == nil {
                return id
            }
        }
    }

    private static func removeOutbound(_ id: UInt16, from state: inout State) {
        state.outbound[id] = nil
        if state.outboundOrder.first == id {
            state.outboundOrder.removeFirst()
        } else if let index = state.outboundOrder.firstIndex(of: id) {
            state.outboundOrder.remove(at: index)
        }
    }

    /// Takes the continuations waiting for the server; returns a function that fails them all.
    private static func takeAllWaiters(_ state: inout State, includingPublishes: Bool) -> (MQTTClientError) -> Void {
        let subscribes = Array(state.subscribeWaiters.values)
        let unsubscribes = Array(state.unsubscribeWaiters.values)
        state.subscribeWaiters.removeAll()
        state.unsubscribeWaiters.removeAll()
        var publishes: [CheckedContinuation<Void, any Error>] = []
        if includingPublishes {
            publishes = state.outboundOrder.compactMap { state.outbound[$0]?.continuation }
            state.outbound.removeAll()
            state.outboundOrder.removeAll()
        }
        return { error in
            for waiter in subscribes { waiter.resume(throwing: error) }
            for waiter in unsubscribes { waiter.resume(throwing: error) }
            for waiter in publishes { waiter.resume(throwing: error) }
        }
    }
}
