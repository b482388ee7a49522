public import MQTTProtocol
public import NIOCore
public import NIOSSL

/// What a CONNECT asks for, handed to the authenticator.
public struct MQTTConnectRequest: Sendable {
    public var clientID: String
    public var username: String?
    public var password: [UInt8]?
    public var cleanSession: Bool
    public var keepAlive: UInt16
    public var will: ConnectPacket.Will?
    /// The certificate chain the client presented in the TLS handshake (leaf first), if any.
    public var peerCertificates: [NIOSSLCertificate]
    public var remoteAddress: SocketAddress?
}

/// The authenticator's decision.
public enum MQTTAuthenticationResult<Identity: Sendable>: Sendable {
    /// Accept; every later callback for this connection carries `identity`.
    case accept(Identity)
    /// Refuse with this CONNACK code (never `.accepted`), then close.
    case refuse(ConnectReturnCode)
}

/// A client connected and authenticated: who it is and the session it uses.
public struct MQTTConnectedClient<Identity: Sendable>: Sendable {
    public var clientID: String
    /// What the authenticator established. Authorization decisions use this, never topics or client ids.
    public var identity: Identity
    public var session: MQTTSession
    public var remoteAddress: SocketAddress?
}

/// Why a connection ended.
public enum MQTTDisconnectReason: Sendable, Hashable {
    /// The client sent DISCONNECT.
    case clientDisconnected
    /// The socket closed, the keep-alive expired or a protocol error occurred; the will, if any, is published.
    case connectionLost
    /// Another connection took over the same client id.
    case takenOver
    /// The server is shutting down.
    case serverShutdown
}

/// The back end of an ``MQTTServer``: authentication, what happens to inbound messages and subscriptions.
/// The server handles MQTT itself (sessions, QoS, keep-alive, wills, flow control); the delegate decides
/// who may connect and what messages mean. The in-memory broker, the IoT Hub emulator and edgeHub are delegates.
public protocol MQTTServerDelegate: Sendable {
    /// What an accepted connection is known as.
    associatedtype Identity: Sendable

    /// Accepts or refuses a CONNECT.
    func authenticate(_ request: MQTTConnectRequest) async -> MQTTAuthenticationResult<Identity>

    /// Takes an inbound PUBLISH (QoS 0, 1 or 2). Called in arrival order on the connection's event loop.
    /// The returned future succeeds once the message is safely accepted: only then is it acknowledged
    /// (PUBACK / PUBREC, in order). A failed future closes the connection without acknowledging.
    func receive(_ message: PublishPacket, from client: MQTTConnectedClient<Identity>, on eventLoop: any EventLoop)
        -> EventLoopFuture<Void>

    /// Decides a SUBSCRIBE: one return code per filter, in order. Granted filters are recorded in the session.
    func subscribe(_ subscriptions: [SubscribePacket.Subscription], from client: MQTTConnectedClient<Identity>) async
        -> [SubAckPacket.ReturnCode]

    /// Removes filters from a client's subscriptions.
    func unsubscribe(_ filters: [String], from client: MQTTConnectedClient<Identity>) async

    /// A connection was accepted and its session attached.
    func clientConnected(_ client: MQTTConnectedClient<Identity>)

    /// A connection ended. The session outlives it when it is persistent.
    func clientDisconnected(_ client: MQTTConnectedClient<Identity>, reason: MQTTDisconnectReason)

    /// A session is discarded (clean session ended, or replaced by a clean one): forget its subscriptions.
    func sessionEnded(_ session: MQTTSession)

    /// Publishes a will message after a connection was lost. By default it goes through ``receive(_:from:on:)``.
    func publishWill(_ will: PublishPacket, from client: MQTTConnectedClient<Identity>, on eventLoop: any EventLoop)
}

extension MQTTServerDelegate {
    public func clientConnected(_ client: MQTTConnectedClient<Identity>) {}
    public func clientDisconnected(_ client: MQTTConnectedClient<Identity>, reason: MQTTDisconnectReason) {}
    public func sessionEnded(_ session: MQTTSession) {}
    public func unsubscribe(_ filters: [String], from client: MQTTConnectedClient<Identity>) async {}

    public func publishWill(_ will: PublishPacket, from client: MQTTConnectedClient<Identity>, on eventLoop: any EventLoop) {
        _ = receive(will, from: client, on: eventLoop)
    }
}
