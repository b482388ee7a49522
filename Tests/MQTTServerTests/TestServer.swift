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
