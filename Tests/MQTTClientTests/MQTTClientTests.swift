import Foundation
import Logging
import MQTTClient
import MQTTProtocol
import MQTTTestSupport
import MQTTTransport
import NIOCore
import NIOSSL
import Testing

/// Our MQTT client against Debian's mosquitto broker, an independent implementation.
@Suite("MQTT client against mosquitto", .serialized)
struct MQTTClientTests {
    func client(
        _ broker: MosquittoBroker,
        id: String = "client-\(UUID().uuidString.prefix(8))",
        tls: Bool = false,
        tlsVersion: TLSVersion? = nil,
        cleanSession: Bool = true,
        port: Int? = nil,
        username: String? = nil,
        password: String? = nil
    ) throws -> MQTTClient {
        var tlsConfiguration = tls ? try MQTTTLSConfiguration.client(trustRootsPEMFile: broker.pki.caPEM) : nil
        if let tlsVersion {
            tlsConfiguration?.minimumTLSVersion = tlsVersion
            tlsConfiguration?.maximumTLSVersion = tlsVersion
        }
        let configuration = MQTTClientConfiguration(
            host: tls ? "localhost" : "127.0.0.1",
            port: port ?? (tls ? broker.tlsPort : broker.plainPort),
            tls: tlsConfiguration,
            clientID: id,
            cleanSession: cleanSession,
            keepAlive: 5,
            username: username,
            password: password.map { Array($0.utf8) },
            initialReconnectDelay: .milliseconds(50),
            maxReconnectDelay: .milliseconds(500)
        )
        return try MQTTClient(configuration: configuration)
    }

    @Test("QoS 0, 1 and 2 round trips through mosquitto, plain TCP", arguments: [QoS.atMostOnce, .atLeastOnce, .exactlyOnce])
    func roundTrip(qos: QoS) async throws {
        let broker = try await MosquittoBroker()
        let client = try client(broker)
        try await client.connect()
        let code = try await client.subscribe(to: "test/\(qos.rawValue)/#", qos: qos)
        #expect(code == .granted(qos))
        for i in 0..<20 {
            try await client.publish(topic: "test/\(qos.rawValue)/\(i)", payload: Array("message \(i)".utf8), qos: qos)
        }
        let received = try await collect(20, from: client)
        #expect(received.map(\.topic) == (0..<20).map { "test/\(qos.rawValue)/\($0)" })
        #expect(received.map { String(buffer: $0.payload) } == (0..<20).map { "message \($0)" })
        #expect(received.allSatisfy { $0.qos == qos })
        await client.disconnect()
    }

    @Test("TLS with a custom trust root, TLS 1.2 and 1.3", arguments: [TLSVersion.tlsv12, .tlsv13])
    func tls(version: TLSVersion) async throws {
        let broker = try await MosquittoBroker()
        let client = try client(broker, tls: true, tlsVersion: version)
        try await client.connect()
        try await client.subscribe(to: "secure/topic")
        try await client.publish(topic: "secure/topic", payload: Array("over TLS".utf8))
        let received = try await collect(1, from: client)
        #expect(String(buffer: received[0].payload) == "over TLS")
        await client.disconnect()
    }

    @Test("TLS refuses a server whose certificate the trust root did not sign")
    func tlsUntrusted() async throws {
        let broker = try await MosquittoBroker()
        let configuration = MQTTClientConfiguration(
            host: "localhost",
            port: broker.tlsPort,
            tls: try MQTTTLSConfiguration.client(trustRootsPEMFile: broker.pki.roguePEM),
            clientID: "untrusting",
            connectTimeout: .seconds(5)
        )
        let client = try MQTTClient(configuration: configuration)
        do {
            try await client.connect()
            Issue.record("connected to a server the trust root did not sign")
        } catch {}
        #expect(!client.isConnected)
    }

    @Test("a refused CONNECT surfaces the CONNACK code")
    func refused() async throws {
        let broker = try await MosquittoBroker()
        let wrong = try client(broker, port: broker.passwordPort, username: "alice", password: "wrong")
        let error = await capture { try await wrong.connect() }
        #expect(error?.code == .connectionRefused)
        #expect(error?.returnCode == .notAuthorized || error?.returnCode == .badUsernameOrPassword)

        let right = try client(broker, port: broker.passwordPort, username: "alice", password: "s3cret")
        try await right.connect()
        #expect(right.isConnected)
        await right.disconnect()
    }

    @Test("a persistent session gets the messages published while it was away")
    func persistentSession() async throws {
        let broker = try await MosquittoBroker()
        let subscriber = try client(broker, id: "persistent-sub", cleanSession: false)
        let first = try await subscriber.connect()
        #expect(!first.sessionPresent)
        try await subscriber.subscribe(to: "queued/#")
        await subscriber.disconnect()

        let publisher = try client(broker)
        try await publisher.connect()
        for i in 0..<5 { try await publisher.publish(topic: "queued/\(i)", payload: Array("q\(i)".utf8)) }
        await publisher.disconnect()

        let again = try client(broker, id: "persistent-sub", cleanSession: false)
        let second = try await again.connect()
        #expect(second.sessionPresent)
        let received = try await collect(5, from: again)
        #expect(received.map(\.topic) == (0..<5).map { "queued/\($0)" })
        await again.disconnect()
    }

    @Test("after the broker restarts, the client reconnects, resubscribes and a pending QoS 1 publish completes")
    func reconnect() async throws {
        let broker = try await MosquittoBroker()
        let client = try client(broker)
        try await client.connect()
        try await client.subscribe(to: "reconnect/#")

        await broker.stop()
        try await waitUntil { !client.isConnected }
        async let pending: Void = client.publish(topic: "reconnect/during-outage", payload: Array("held".utf8))
        try await Task.sleep(for: .milliseconds(300))
        try await broker.start()
        try await pending
        #expect(client.isConnected)
        let received = try await collect(1, from: client)
        #expect(received[0].topic == "reconnect/during-outage")
        await client.disconnect()
    }

    @Test("invalid topics and filters are refused before anything is sent")
    func invalidTopics() async throws {
        let broker = try await MosquittoBroker()
        let client = try client(broker)
        try await client.connect()
        let publishError = await capture { try await client.publish(topic: "a/+/b", payload: [UInt8]()) }
        #expect(publishError?.code == .invalidTopic)
        let subscribeError = await capture { try await client.subscribe(to: "a/#/b") }
        #expect(subscribeError?.code == .invalidTopic)
        #expect(client.isConnected)
        await client.disconnect()
    }

    @Test("publishing before connect() fails clearly")
    func notConnected() async throws {
        let broker = try await MosquittoBroker()
        let client = try client(broker)
        let error = await capture { try await client.publish(topic: "a", payload: [UInt8](), qos: .atLeastOnce) }
        #expect(error?.code == .notConnected)
    }

    /// The ``MQTTClientError`` an operation throws, or nil (failing the test) when it throws nothing or another error.
    func capture(_ operation: () async throws -> Void) async -> MQTTClientError? {
        do {
            try await operation()
            Issue.record("expected an MQTTClientError, nothing was thrown")
        } catch let error as MQTTClientError {
            return error
        } catch {
            Issue.record("expected an MQTTClientError, got \(error)")
        }
        return nil
    }

    /// Reads `count` messages or fails after 10 s.
    func collect(_ count: Int, from client: MQTTClient) async throws -> [PublishPacket] {
        try await withThrowingTaskGroup(of: [PublishPacket]?.self) { group in
            group.addTask {
                var received: [PublishPacket] = []
                for await message in client.messages {
                    received.append(message)
                    if received.count == count { break }
                }
                return received
            }
            group.addTask {
                try await Task.sleep(for: .seconds(10))
                return nil
            }
            let first = try await group.next()!
            group.cancelAll()
            guard let received = first else { throw TestFailure("timed out waiting for \(count) messages") }
            return received
        }
    }

    func waitUntil(_ condition: @escaping @Sendable () -> Bool) async throws {
        for _ in 0..<200 {
            if condition() { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TestFailure("condition not met within 10 s")
    }
}
