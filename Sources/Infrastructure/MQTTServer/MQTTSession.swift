import DequeModule
public import MQTTProtocol
public import NIOCore
import Synchronization

/// The server side of one client id: its subscriptions, the messages queued for it and the QoS 1 messages sent
/// and not yet acknowledged. A persistent session (CleanSession = 0) outlives its connections: messages queue
/// while the client is away and unacknowledged ones are sent again, with DUP set, when it returns.
///
/// Thread-safe: delegates deliver from any event loop; the attached connection drains it on its own.
public final class MQTTSession: Sendable {
    /// The result of ``deliver(_:backPressureOn:)``.
    public enum DeliveryResult: Sendable {
        /// Queued; there is room for more.
        case queued
        /// Queued, but the client is behind: the future succeeds when its queue has drained below the limit.
        /// A publisher's acknowledgement should wait for it.
        case queuedAboveLimit(EventLoopFuture<Void>)
        /// Not queued: QoS 0 for a disconnected client, or a disconnected persistent session at its limit.
        case dropped
    }

    public let clientID: String
    /// Whether the session survives its connection (CleanSession = 0).
    public let isPersistent: Bool

    private let limits: Limits
    private let state: Mutex<State>

    struct Limits {
        var inflightWindow: Int
        var maxQueued: Int
        var maxOffline: Int
    }

    /// The connection currently draining this session.
    struct Attachment {
        var connectionID: UInt64
        var connection: any SessionConnection
    }

    /// Called once the client has acknowledged a delivered message (PUBACK), or, for QoS 0, once it is written.
    public typealias AcknowledgementHandler = @Sendable () -> Void

    /// A message with what to do when the client acknowledges it.
    private struct Queued {
        var packet: PublishPacket
        var onAcknowledged: AcknowledgementHandler?
    }

    private struct State: ~Copyable {
        var subscriptions: [String: QoS] = [:]
        var pending: Deque<Queued> = []
        var inflight: [UInt16: Queued] = [:]
        var inflightOrder: Deque<UInt16> = []
        var nextPacketID: UInt16 = 1
        var attachment: Attachment?
        var flushScheduled = false
        var capacityWaiters: [EventLoopPromise<Void>] = []
        /// QoS 2 packet ids received and not yet released (PUBREL), so a resent PUBLISH is not delivered twice.
        var incomingQoS2: Set<UInt16> = []
        var dropped = 0
    }

    init(clientID: String, isPersistent: Bool, limits: Limits) {
        self.clientID = clientID
        self.isPersistent = isPersistent
        self.limits = limits
        self.state = Mutex(State())
    }

    // MARK: Subscriptions

    /// The granted topic filters and their maximum QoS.
    public var subscriptions: [String: QoS] { state.withLock { $0.subscriptions } }

    func addSubscriptions(_ granted: [(String, QoS)]) {
        state.withLock { state in
            for (filter, qos) in granted { state.subscriptions[filter] = qos }
        }
    }

    func removeSubscriptions(_ filters: [String]) {
        state.withLock { state in
            for filter in filters { state.subscriptions[filter] = nil }
        }
    }

    // MARK: Delivery

    /// Queues a message for this client. QoS 1 and 2 are sent at QoS 1 (the server never sends QoS 2).
    /// `retain` should already be what the client must see; the packet id is assigned here.
    /// - Parameters:
    ///   - eventLoop: where to complete the back-pressure future; nil when the caller will not wait.
    ///   - onAcknowledged: called when the client acknowledges the message (for QoS 0: when it is written). Not
    ///     called for a message that is dropped or discarded with its session.
    public func deliver(
        _ message: PublishPacket,
        backPressureOn eventLoop: (any EventLoop)? = nil,
        onAcknowledged: AcknowledgementHandler? = nil
    ) -> DeliveryResult {
        var message = message
        if message.qos == .exactlyOnce { message.qos = .atLeastOnce }
        message.dup = false
        message.packetID = nil
        let (result, flushOn): (DeliveryResult, (any SessionConnection)?) = state.withLock { state in
            guard let attachment = state.attachment else {
                guard message.qos == .atLeastOnce, isPersistent, state.pending.count < limits.maxOffline else {
                    if message.qos == .atLeastOnce { state.dropped += 1 }
                    return (.dropped, nil)
                }
                state.pending.append(Queued(packet: message, onAcknowledged: onAcknowledged))
                return (.queued, nil)
            }
            state.pending.append(Queued(packet: message, onAcknowledged: onAcknowledged))
            var flush: (any SessionConnection)?
            if !state.flushScheduled {
                state.flushScheduled = true
                flush = attachment.connection
            }
            if state.pending.count > limits.maxQueued, let eventLoop {
                let promise = eventLoop.makePromise(of: Void.self)
                state.capacityWaiters.append(promise)
                return (.queuedAboveLimit(promise.futureResult), flush)
            }
            return (.queued, flush)
        }
        flushOn?.scheduleFlush()
        return result
    }

    /// Messages dropped so far because the session was disconnected and full.
    public var droppedMessages: Int { state.withLock { $0.dropped } }

    /// Messages waiting to be sent plus those sent and not yet acknowledged.
    public var queuedMessages: Int { state.withLock { $0.pending.count + $0.inflight.count } }

    // MARK: Connection side (called on the attached connection's event loop)

    /// Attaches a connection; returns the unacknowledged messages to send again, with DUP set, in order.
    func attach(_ attachment: Attachment) -> [PublishPacket] {
        state.withLock { state in
            state.attachment = attachment
            state.flushScheduled = false
            return state.inflightOrder.compactMap { id in
                guard var packet = state.inflight[id]?.packet else { return nil }
                packet.dup = true
                return packet
            }
        }
    }

    /// The connection attached now, if any.
    var attachedConnection: (any SessionConnection)? { state.withLock { $0.attachment?.connection } }

    /// Detaches the connection if it is still the attached one. Publishers waiting on this client are released.
    func detach(connectionID: UInt64) {
        let waiters: [EventLoopPromise<Void>] = state.withLock { state in
            guard state.attachment?.connectionID == connectionID else { return [] }
            state.attachment = nil
            state.flushScheduled = false
            defer { state.capacityWaiters.removeAll() }
            return state.capacityWaiters
        }
        for waiter in waiters { waiter.succeed() }
    }

    /// Moves as many pending messages as the in-flight window allows into flight and returns them to write.
    func takeWritable(connectionID: UInt64) -> [PublishPacket] {
        let (packets, waiters, written): ([PublishPacket], [EventLoopPromise<Void>], [AcknowledgementHandler]) = state.withLock { state in
            guard state.attachment?.connectionID == connectionID else { return ([], [], []) }
            state.flushScheduled = false
            var packets: [PublishPacket] = []
            var written: [AcknowledgementHandler] = []
            while var queued = state.pending.first {
                if queued.packet.qos == .atLeastOnce {
                    guard state.inflight.count < limits.inflightWindow else { break }
                    let id = Self.allocatePacketID(&state)
                    queued.packet.packetID = id
                    state.inflight[id] = queued
                    state.inflightOrder.append(id)
                } else if let handler = queued.onAcknowledged {
                    written.append(handler)
                }
                state.pending.removeFirst()
                packets.append(queued.packet)
            }
            return (packets, Self.releasableWaiters(&state, limit: limits.maxQueued), written)
        }
        for waiter in waiters { waiter.succeed() }
        for handler in written { handler() }
        return packets
    }

    /// Records a PUBACK. Returns false for an id that was not in flight.
    func acknowledge(packetID: UInt16) -> Bool {
        let acknowledged: Queued? = state.withLock { state in
            guard let queued = state.inflight.removeValue(forKey: packetID) else { return nil }
            if state.inflightOrder.first == packetID {
                state.inflightOrder.removeFirst()
            } else if let index = state.inflightOrder.firstIndex(of: packetID) {
                state.inflightOrder.remove(at: index)
            }
            return queued
        }
        guard let acknowledged else { return false }
        acknowledged.onAcknowledged?()
        return true
    }

    /// Records an inbound QoS 2 packet id; false when it was already recorded (a resend not to deliver again).
    func registerIncomingQoS2(packetID: UInt16) -> Bool {
        state.withLock { $0.incomingQoS2.insert(packetID).inserted }
    }

    func releaseIncomingQoS2(packetID: UInt16) {
        _ = state.withLock { $0.incomingQoS2.remove(packetID) }
    }

    private static func allocatePacketID(_ state: inout State) -> UInt16 {
        while true {
            let id = state.nextPacketID
            state.nextPacketID = id == UInt16.max ? 1 : id + 1
            if state.inflight[id] == nil { return id }
        }
    }

    private static func releasableWaiters(_ state: inout State, limit: Int) -> [EventLoopPromise<Void>] {
        guard !state.capacityWaiters.isEmpty, state.pending.count <= limit else { return [] }
        defer { state.capacityWaiters.removeAll() }
        return state.capacityWaiters
    }
}

/// The attached connection as the session sees it: something that can be asked to drain the session.
protocol SessionConnection: Sendable {
    /// Asks the connection to call ``MQTTSession/takeWritable(connectionID:)`` and write, on its event loop.
    func scheduleFlush()
    /// Closes the connection because another one took over the client id.
    func closeForTakeover()
}
