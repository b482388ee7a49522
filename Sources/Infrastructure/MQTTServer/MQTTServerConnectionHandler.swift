import DequeModule
import Logging
import MQTTProtocol
import NIOCore
import NIOSSL
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Runs the MQTT protocol for one accepted connection: CONNECT and authentication, keep-alive, inbound QoS 0/1/2
/// with in-order acknowledgements once the delegate has accepted each message, subscriptions, outbound delivery
/// from the session with DUP redelivery, wills, and read back-pressure.
final class MQTTServerConnectionHandler<Delegate: MQTTServerDelegate>: ChannelDuplexHandler {
    typealias InboundIn = MQTTPacket
    typealias OutboundIn = MQTTPacket
    typealias OutboundOut = MQTTPacket

    enum State {
        case awaitingConnect
        case authenticating
        case connected(MQTTConnectedClient<Delegate.Identity>)
        case closed
    }

    /// An inbound message waiting for the delegate before its acknowledgement can be written.
    private struct PendingAck {
        enum Kind { case none, puback, pubrec }
        var kind: Kind
        var packetID: UInt16
        var done = false
    }

    private let delegate: Delegate
    private let sessions: MQTTSessionStore
    let configuration: MQTTServerConfiguration
    var logger: Logger
    let connectionID: UInt64
    /// Filled by the TLS verification callback before any MQTT byte arrives.
    var peerCertificates: [NIOSSLCertificate] = []

    var state = State.awaitingConnect
    private var context: ChannelHandlerContext?
    private var remoteAddress: SocketAddress?
    private var will: ConnectPacket.Will?
    private var disconnectReason = MQTTDisconnectReason.connectionLost

    private var backlog: Deque<MQTTPacket> = []
    private var barrier = false
    private var pendingAcks: Deque<PendingAck> = []
    private var firstPendingSequence = 0
    var readPending = false
    /// Inside a read batch, flushes wait for `channelReadComplete`: one syscall for many acknowledgements.
    private var inReadBatch = false
    private var flushPending = false

    var lastActivity = NIODeadline.now()
    var keepAliveTimeout: TimeAmount?
    var timer: Scheduled<Void>?

    init(
        delegate: Delegate,
        sessions: MQTTSessionStore,
        configuration: MQTTServerConfiguration,
        logger: Logger,
        connectionID: UInt64
    ) {
        self.delegate = delegate
        self.sessions = sessions
        self.configuration = configuration
        self.logger = logger
        self.connectionID = connectionID
    }

    // MARK: Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        remoteAddress = context.channel.remoteAddress
        logger[metadataKey: "peer"] = "\(remoteAddress?.description ?? "?")"
        if context.channel.isActive { armConnectTimeout(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        armConnectTimeout(context: context)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let packet = unwrapInboundIn(data)
        lastActivity = .now()
        inReadBatch = true
        if barrier || !backlog.isEmpty {
            backlog.append(packet)
        } else {
            handle(packet, context: context)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        inReadBatch = false
        if flushPending {
            flushPending = false
            context.flush()
        }
        context.fireChannelReadComplete()
    }

    /// Closes the connection, first flushing what waits for the end of the read batch: acknowledgements of
    /// messages accepted before, say, a malformed packet or DISCONNECT in the same read must not be lost.
    func closeConnection(context: ChannelHandlerContext) {
        if flushPending {
            flushPending = false
            context.flush()
        }
        context.close(promise: nil)
    }

    /// Flushes now, or at the end of the current read batch.
    private func flushSoon(context: ChannelHandlerContext) {
        if inReadBatch {
            flushPending = true
        } else {
            context.flush()
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        switch error {
        case let error as MQTTProtocolError:
            logger.warning("closing connection: \(error)")
        case let error as ByteToMessageDecoderError:
            logger.warning("closing connection: \(error)")
        case let error as NIOSSLError:
            logger.info("closing connection: TLS: \(error)")
        case let error as IOError where error.errnoCode == ECONNRESET:
            logger.debug("connection reset by peer")
        default:
            logger.info("closing connection: \(error)")
        }
        closeConnection(context: context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        let previous = state
        state = .closed
        if case .connected(let client) = previous {
            let session = client.session
            session.detach(connectionID: connectionID)
            if disconnectReason != .clientDisconnected, let will {
                let packet = PublishPacket(topic: will.topic, payload: will.payload, qos: will.qos, retain: will.retain)
                delegate.publishWill(packet, from: client, on: context.eventLoop)
            }
            if !session.isPersistent, sessions.remove(session) {
                delegate.sessionEnded(session)
            }
            delegate.clientDisconnected(client, reason: disconnectReason)
            logger.debug("client disconnected (\(disconnectReason))")
        }
        context.fireChannelInactive()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { flushSession(context: context) }
        context.fireChannelWritabilityChanged()
    }

    func read(context: ChannelHandlerContext) {
        if shouldPauseReading {
            readPending = true
        } else {
            context.read()
        }
    }

    private var shouldPauseReading: Bool {
        if case .authenticating = state { return true }
        return barrier || pendingAcks.count >= configuration.maxPendingInboundAcks
    }

    private func resumeReadingIfPossible(context: ChannelHandlerContext) {
        if readPending && !shouldPauseReading {
            readPending = false
            // Whatever the client sent during the pause is still unread: its keep-alive counts from now.
            lastActivity = .now()
            context.read()
        }
    }

    // MARK: Packets

    private func handle(_ packet: MQTTPacket, context: ChannelHandlerContext) {
        switch state {
        case .awaitingConnect:
            guard case .connect(let connect) = packet else {
                protocolViolation("the first packet must be CONNECT, got \(packet.type)", context: context)
                return
            }
            handleConnect(connect, context: context)
        case .authenticating:
            backlog.append(packet)
        case .connected(let client):
            handleConnected(packet, client: client, context: context)
        case .closed:
            break
        }
    }

    private func handleConnected(_ packet: MQTTPacket, client: MQTTConnectedClient<Delegate.Identity>, context: ChannelHandlerContext) {
        switch packet {
        case .publish(let publish):
            handlePublish(publish, client: client, context: context)
        case .puback(let id):
            if client.session.acknowledge(packetID: id) {
                flushSession(context: context)
            } else {
                logger.debug("PUBACK for packet \(id), which is not in flight")
            }
        case .pubrel(let id):
            client.session.releaseIncomingQoS2(packetID: id)
            context.writeAndFlush(wrapOutboundOut(.pubcomp(packetID: id)), promise: nil)
        case .pubrec(let id):
            // The server never sends QoS 2; answer per the protocol so a confused client can go on.
            context.writeAndFlush(wrapOutboundOut(.pubrel(packetID: id)), promise: nil)
        case .pubcomp:
            break
        case .subscribe(let subscribe):
            handleSubscribe(subscribe, client: client, context: context)
        case .unsubscribe(let unsubscribe):
            handleUnsubscribe(unsubscribe, client: client, context: context)
        case .pingreq:
            context.writeAndFlush(wrapOutboundOut(.pingresp), promise: nil)
        case .disconnect:
            disconnectReason = .clientDisconnected
            will = nil
            closeConnection(context: context)
        case .connect:
            protocolViolation("a second CONNECT on one connection", context: context)
        case .connack, .suback, .unsuback, .pingresp:
            protocolViolation("\(packet.type) is sent by servers, not clients", context: context)
        }
    }

    private func handleConnect(_ connect: ConnectPacket, context: ChannelHandlerContext) {
        timer?.cancel()
        guard connect.protocolLevel == 3 || connect.protocolLevel == 4 else {
            refuse(.unacceptableProtocolVersion, "protocol level \(connect.protocolLevel) is not MQTT 3.1/3.1.1", context: context)
            return
        }
        var clientID = connect.clientID
        if clientID.isEmpty {
            guard connect.cleanSession, connect.protocolLevel == 4 else {
                refuse(.identifierRejected, "an empty client id needs CleanSession = 1", context: context)
                return
            }
            clientID = "auto-\(connectionID)-\(UInt32.random(in: 0...UInt32.max))"
        }
        logger[metadataKey: "client"] = "\(clientID)"
        state = .authenticating
        var certificates = peerCertificates
        if certificates.isEmpty, let verified = try? context.pipeline.syncOperations.nioSSL_peerCertificate() {
            // Required client certificates are verified by the handshake itself, without the callback that
            // fills `peerCertificates`: hand the verified leaf to the authenticator.
            certificates = [verified]
        }
        let request = MQTTConnectRequest(
            clientID: clientID,
            username: connect.username,
            password: connect.password,
            cleanSession: connect.cleanSession,
            keepAlive: connect.keepAlive,
            will: connect.will,
            peerCertificates: certificates,
            remoteAddress: remoteAddress
        )
        let delegate = self.delegate
        let promise = context.eventLoop.makePromise(of: MQTTAuthenticationResult<Delegate.Identity>.self)
        promise.completeWithTask { await delegate.authenticate(request) }
        promise.futureResult.assumeIsolated().whenSuccess { result in
            guard case .authenticating = self.state else { return }
            switch result {
            case .refuse(let code):
                self.refuse(code == .accepted ? .notAuthorized : code, "authentication refused", context: context)
            case .accept(let identity):
                self.accept(connect, clientID: clientID, identity: identity, context: context)
            }
        }
    }

    private func accept(_ connect: ConnectPacket, clientID: String, identity: Delegate.Identity, context: ChannelHandlerContext) {
        let opened = sessions.open(clientID: clientID, cleanSession: connect.cleanSession)
        if let previous = opened.previousConnection {
            logger.info("client id in use by another connection; closing that one")
            previous.closeForTakeover()
        }
        if let discarded = opened.discarded, discarded !== opened.session {
            delegate.sessionEnded(discarded)
        }
        let client = MQTTConnectedClient(clientID: clientID, identity: identity, session: opened.session, remoteAddress: remoteAddress)
        state = .connected(client)
        will = connect.will
        armKeepAlive(seconds: connect.keepAlive, context: context)
        context.write(wrapOutboundOut(.connack(ConnAckPacket(sessionPresent: opened.sessionPresent, returnCode: .accepted))), promise: nil)
        let connection = ConnectionRef(handler: NIOLoopBound(self, eventLoop: context.eventLoop))
        let resend = opened.session.attach(.init(connectionID: connectionID, connection: connection))
        for packet in resend { context.write(wrapOutboundOut(.publish(packet)), promise: nil) }
        context.flush()
        logger.debug("client connected (clean session: \(connect.cleanSession), resent: \(resend.count))")
        delegate.clientConnected(client)
        flushSession(context: context)
        drainBacklog(context: context)
        resumeReadingIfPossible(context: context)
    }

    private func handlePublish(_ publish: PublishPacket, client: MQTTConnectedClient<Delegate.Identity>, context: ChannelHandlerContext) {
        let kind: PendingAck.Kind
        switch publish.qos {
        case .atMostOnce: kind = .none
        case .atLeastOnce: kind = .puback
        case .exactlyOnce:
            kind = .pubrec
            let id = publish.packetID ?? 0
            if !client.session.registerIncomingQoS2(packetID: id) {
                // A resend of a message already accepted: acknowledge again, deliver once.
                enqueueAck(PendingAck(kind: .pubrec, packetID: id, done: true), context: context)
                return
            }
        }
        let sequence = firstPendingSequence + pendingAcks.count
        pendingAcks.append(PendingAck(kind: kind, packetID: publish.packetID ?? 0))
        let topic = publish.topic
        delegate.receive(publish, from: client, on: context.eventLoop)
            .hop(to: context.eventLoop)
            .assumeIsolated()
            .whenComplete { result in
                switch result {
                case .success:
                    self.completeAck(sequence: sequence, context: context)
                case .failure(let error):
                    self.logger.warning("message on \(topic) not accepted, closing the connection without acknowledging it: \(error)")
                    if kind == .pubrec {
                        // Not accepted, so not a duplicate when the client sends it again.
                        client.session.releaseIncomingQoS2(packetID: publish.packetID ?? 0)
                    }
                    self.closeConnection(context: context)
                }
            }
    }

    private func enqueueAck(_ ack: PendingAck, context: ChannelHandlerContext) {
        pendingAcks.append(ack)
        writeCompletedAcks(context: context)
    }

    private func completeAck(sequence: Int, context: ChannelHandlerContext) {
        let index = sequence - firstPendingSequence
        guard index >= 0, index < pendingAcks.count else { return }
        pendingAcks[index].done = true
        writeCompletedAcks(context: context)
    }

    private func writeCompletedAcks(context: ChannelHandlerContext) {
        guard case .connected = state else { return }
        var wrote = false
        while let first = pendingAcks.first, first.done {
            pendingAcks.removeFirst()
            firstPendingSequence += 1
            switch first.kind {
            case .none: break
            case .puback:
                context.write(wrapOutboundOut(.puback(packetID: first.packetID)), promise: nil)
                wrote = true
            case .pubrec:
                context.write(wrapOutboundOut(.pubrec(packetID: first.packetID)), promise: nil)
                wrote = true
            }
        }
        if wrote { flushSoon(context: context) }
        resumeReadingIfPossible(context: context)
    }

    private func handleSubscribe(_ subscribe: SubscribePacket, client: MQTTConnectedClient<Delegate.Identity>, context: ChannelHandlerContext) {
        barrier = true
        let delegate = self.delegate
        let promise = context.eventLoop.makePromise(of: [SubAckPacket.ReturnCode].self)
        promise.completeWithTask { await delegate.subscribe(subscribe.subscriptions, from: client) }
        promise.futureResult.assumeIsolated().whenSuccess { codes in
            guard case .connected = self.state else { return }
            var codes = codes
            if codes.count != subscribe.subscriptions.count {
                self.logger.error("delegate answered \(codes.count) codes for \(subscribe.subscriptions.count) filters; refusing them")
                codes = Array(repeating: .failure, count: subscribe.subscriptions.count)
            }
            var granted: [(String, QoS)] = []
            for (subscription, code) in zip(subscribe.subscriptions, codes) {
                if case .granted(let qos) = code { granted.append((subscription.filter, qos)) }
            }
            client.session.addSubscriptions(granted)
            context.writeAndFlush(self.wrapOutboundOut(.suback(SubAckPacket(packetID: subscribe.packetID, returnCodes: codes))), promise: nil)
            self.barrier = false
            self.drainBacklog(context: context)
            self.resumeReadingIfPossible(context: context)
        }
    }

    private func handleUnsubscribe(_ unsubscribe: UnsubscribePacket, client: MQTTConnectedClient<Delegate.Identity>, context: ChannelHandlerContext) {
        barrier = true
        client.session.removeSubscriptions(unsubscribe.filters)
        let delegate = self.delegate
        let promise = context.eventLoop.makePromise(of: Void.self)
        promise.completeWithTask { await delegate.unsubscribe(unsubscribe.filters, from: client) }
        promise.futureResult.assumeIsolated().whenSuccess {
            guard case .connected = self.state else { return }
            context.writeAndFlush(self.wrapOutboundOut(.unsuback(packetID: unsubscribe.packetID)), promise: nil)
            self.barrier = false
            self.drainBacklog(context: context)
            self.resumeReadingIfPossible(context: context)
        }
    }

    private func drainBacklog(context: ChannelHandlerContext) {
        while !barrier, let next = backlog.popFirst() {
            if case .authenticating = state {
                backlog.prepend(next)
                return
            }
            handle(next, context: context)
        }
    }

    // MARK: Outbound delivery

    /// Writes what the session has for this client, within its in-flight window.
    func flushSession(context: ChannelHandlerContext) {
        guard case .connected(let client) = state else { return }
        // A client that does not read its socket: keep the messages in the session, where they count against
        // maxQueuedMessages and hold publishers back, instead of buffering them in the channel without bound.
        // channelWritabilityChanged flushes again once the socket drains.
        guard context.channel.isWritable else { return }
        let packets = client.session.takeWritable(connectionID: connectionID)
        guard !packets.isEmpty else { return }
        for packet in packets { context.write(wrapOutboundOut(.publish(packet)), promise: nil) }
        flushSoon(context: context)
    }

    func flushFromSession() {
        guard let context else { return }
        flushSession(context: context)
    }

    func closeForTakeover() {
        guard let context, case .connected = state else { return }
        disconnectReason = .takenOver
        closeConnection(context: context)
    }

    // MARK: Closing

    private func refuse(_ code: ConnectReturnCode, _ reason: String, context: ChannelHandlerContext) {
        logger.info("refusing connection: \(code): \(reason)")
        state = .closed
        context.writeAndFlush(wrapOutboundOut(.connack(ConnAckPacket(returnCode: code)))).assumeIsolated().whenComplete { _ in
            self.closeConnection(context: context)
        }
    }

    private func protocolViolation(_ reason: String, context: ChannelHandlerContext) {
        logger.warning("closing connection: protocol violation: \(reason)")
        closeConnection(context: context)
    }
}

/// How a session reaches its connection's handler: always through the handler's event loop.
private struct ConnectionRef<Delegate: MQTTServerDelegate>: SessionConnection {
    let handler: NIOLoopBound<MQTTServerConnectionHandler<Delegate>>

    func scheduleFlush() {
        let handler = self.handler
        handler.eventLoop.execute { handler.value.flushFromSession() }
    }

    func closeForTakeover() {
        let handler = self.handler
        handler.eventLoop.execute { handler.value.closeForTakeover() }
    }
}
