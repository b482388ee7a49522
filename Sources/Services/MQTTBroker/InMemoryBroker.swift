public import Logging
public import MQTTProtocol
public import MQTTServer
public import NIOCore
import Synchronization

/// A general-purpose MQTT broker back end kept in memory: topic-filter routing with `+` and `#`, retained
/// messages, and back-pressure from slow subscribers to publishers. It is the test bed for interoperability
/// and the README's demo until the IoT Hub emulator exists.
public final class InMemoryBroker: MQTTServerDelegate {
    public typealias Identity = String
    /// Decides a CONNECT; the identity it returns is what logs show.
    public typealias Authenticator = @Sendable (MQTTConnectRequest) async -> MQTTAuthenticationResult<String>

    private struct State: ~Copyable {
        var index = SubscriptionIndex()
        var retained: [String: PublishPacket] = [:]
    }

    private let state = Mutex(State())
    private let authenticator: Authenticator
    private let logger: Logger

    /// - Parameter authenticator: by default every client is accepted under its client id.
    public init(logger: Logger, authenticator: Authenticator? = nil) {
        self.logger = logger
        self.authenticator = authenticator ?? { request in .accept(request.clientID) }
    }

    public func authenticate(_ request: MQTTConnectRequest) async -> MQTTAuthenticationResult<String> {
        await authenticator(request)
    }

    public func receive(_ message: PublishPacket, from client: MQTTConnectedClient<String>, on eventLoop: any EventLoop)
        -> EventLoopFuture<Void>
    {
        publish(message, on: eventLoop)
    }

    /// Routes a message to every matching subscription. The future succeeds once every subscriber has room.
    public func publish(_ message: PublishPacket, on eventLoop: any EventLoop) -> EventLoopFuture<Void> {
        let targets = state.withLock { state in
            if message.retain {
                state.retained[message.topic] = message.payload.readableBytes == 0 ? nil : message
            }
            return state.index.match(message.topic)
        }
        var outbound = message
        outbound.retain = false
        var waits: [EventLoopFuture<Void>] = []
        for target in targets {
            outbound.qos = min(message.qos, target.qos)
            if case .queuedAboveLimit(let wait) = target.session.deliver(outbound, backPressureOn: eventLoop) {
                waits.append(wait)
            }
        }
        if waits.isEmpty { return eventLoop.makeSucceededVoidFuture() }
        return EventLoopFuture.andAllSucceed(waits, on: eventLoop)
    }

    public func subscribe(_ subscriptions: [SubscribePacket.Subscription], from client: MQTTConnectedClient<String>) async
        -> [SubAckPacket.ReturnCode]
    {
        let session = client.session
        let granted = subscriptions.map { min($0.qos, QoS.atLeastOnce) }
        let retained: [(PublishPacket, QoS)] = state.withLock { state in
            var retained: [(PublishPacket, QoS)] = []
            for (subscription, qos) in zip(subscriptions, granted) {
                state.index.add(subscription.filter, qos: qos, session: session)
                guard let filter = try? TopicFilter(subscription.filter) else { continue }
                for message in state.retained.values where filter.matches(message.topic) {
                    retained.append((message, qos))
                }
            }
            return retained
        }
        for (message, qos) in retained {
            var copy = message
            copy.qos = min(message.qos, qos)
            copy.retain = true
            _ = session.deliver(copy)
        }
        return granted.map { .granted($0) }
    }

    public func unsubscribe(_ filters: [String], from client: MQTTConnectedClient<String>) async {
        state.withLock { state in
            for filter in filters { state.index.remove(filter, session: client.session) }
        }
    }

    public func sessionEnded(_ session: MQTTSession) {
        state.withLock { $0.index.removeAll(for: session) }
    }

    public func clientConnected(_ client: MQTTConnectedClient<String>) {
        logger.debug("connected", metadata: ["client": "\(client.clientID)", "identity": "\(client.identity)"])
    }
}
