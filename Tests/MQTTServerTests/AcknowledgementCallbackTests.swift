import MQTTProtocol
import MQTTServer
import MQTTTestSupport
import NIOCore
import Synchronization
import Testing

/// `MQTTSession.deliver(_:onAcknowledged:)`: back ends such as the IoT Hub emulator remove a cloud-to-device
/// message only once the device has acknowledged it.
@Suite("Acknowledgement callbacks")
struct AcknowledgementCallbackTests {
    final class Counter: Sendable {
        let value = Mutex(0)
        func increment() { value.withLock { $0 += 1 } }
        var count: Int { value.withLock { $0 } }
    }

    @Test("a QoS 1 delivery reports its acknowledgement only after the client's PUBACK")
    func afterPubAck() async throws {
        try await withServer { server in
            let client = try await server.connect("acker")
            defer { client.close() }
            let session = try #require(server.server.session(for: "acker"))
            let acknowledged = Counter()
            _ = session.deliver(
                PublishPacket(topic: "direct/to/acker", payload: ByteBuffer(string: "c2d"), qos: .atLeastOnce),
                onAcknowledged: { acknowledged.increment() }
            )
            let publish = try await client.nextPublish()
            #expect(publish.topic == "direct/to/acker")
            try await client.expectSilence(for: .milliseconds(200))
            #expect(acknowledged.count == 0)

            try await client.send(.puback(packetID: try #require(publish.packetID)))
            #expect(await eventually { acknowledged.count == 1 })
        }
    }

    @Test("an unacknowledged delivery is not reported when the client disconnects, and is resent to a persistent session")
    func notOnDisconnect() async throws {
        try await withServer { server in
            let first = try await server.connect("keeper", cleanSession: false)
            let session = try #require(server.server.session(for: "keeper"))
            let acknowledged = Counter()
            _ = session.deliver(
                PublishPacket(topic: "direct/to/keeper", payload: ByteBuffer(string: "c2d"), qos: .atLeastOnce),
                onAcknowledged: { acknowledged.increment() }
            )
            _ = try await first.nextPublish()
            first.close()
            _ = try await server.waitForDisconnections("keeper")
            #expect(acknowledged.count == 0)

            let second = try await server.connect("keeper", cleanSession: false)
            defer { second.close() }
            let resent = try await second.nextPublish()
            #expect(resent.dup)
            try await second.send(.puback(packetID: try #require(resent.packetID)))
            #expect(await eventually { acknowledged.count == 1 })
        }
    }
}
