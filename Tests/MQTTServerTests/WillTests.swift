import MQTTProtocol
import MQTTServer
import MQTTTestSupport
import NIOCore
import Testing

@Suite("Will messages")
struct WillTests {
    private let will = ConnectPacket.Will(topic: "status/device", payload: ByteBuffer(string: "offline"), qos: .atLeastOnce)

    @Test("a connection dropped without DISCONNECT publishes the will")
    func droppedConnectionPublishesWill() async throws {
        try await withServer { server in
            let watcher = try await server.connect("watcher")
            defer { watcher.close() }
            try await watcher.subscribe("status/#", qos: .atLeastOnce)
            let device = try await server.connect("device", will: will)
            device.close()
            let delivered = try await watcher.nextPublish()
            #expect(Delivery(delivered) == Delivery("status/device", "offline", qos: .atLeastOnce))
            #expect(try await server.waitForDisconnections("device") == [.connectionLost])
        }
    }

    @Test("a connection ended with DISCONNECT does not publish the will")
    func disconnectDiscardsWill() async throws {
        try await withServer { server in
            let watcher = try await server.connect("watcher")
            defer { watcher.close() }
            try await watcher.subscribe("status/#", qos: .atLeastOnce)
            let device = try await server.connect("device", will: will)
            defer { device.close() }
            try await device.disconnect()
            // The will would have been published before the server reports the disconnection.
            #expect(try await server.waitForDisconnections("device") == [.clientDisconnected])
            let publisher = try await server.connect("pub")
            defer { publisher.close() }
            try await publisher.publish("status/marker", "after", qos: .atLeastOnce)
            #expect(try await watcher.nextPublish().topic == "status/marker")
        }
    }

    @Test("a protocol violation publishes the will")
    func protocolViolationPublishesWill() async throws {
        try await withServer { server in
            let watcher = try await server.connect("watcher")
            defer { watcher.close() }
            try await watcher.subscribe("status/#", qos: .atMostOnce)
            let device = try await server.connect("device", will: will)
            defer { device.close() }
            try await device.sendRaw([0x00, 0x00])
            #expect(await device.waitForClose())
            #expect(try await watcher.nextPublish().payloadString == "offline")
        }
    }

    @Test("a retained will is kept for later subscribers")
    func retainedWill() async throws {
        try await withServer { server in
            var retainedWill = will
            retainedWill.retain = true
            let device = try await server.connect("device", will: retainedWill)
            device.close()
            try await server.waitForDisconnections("device")
            let late = try await server.connect("late")
            defer { late.close() }
            try await late.subscribe("status/device", qos: .atLeastOnce)
            let delivered = try await late.nextPublish()
            #expect(Delivery(delivered) == Delivery("status/device", "offline", qos: .atLeastOnce, retain: true))
        }
    }

    @Test("on take-over the old connection's will is published exactly once")
    func willOnTakeoverPublishedOnce() async throws {
        try await withServer { server in
            let watcher = try await server.connect("watcher")
            defer { watcher.close() }
            try await watcher.subscribe("status/#", qos: .atMostOnce)
            let first = try await server.connect("device", will: will)
            defer { first.close() }
            let second = try await server.connect("device")
            defer { second.close() }
            #expect(await first.waitForClose())
            try await server.waitForDisconnections("device")
            let publisher = try await server.connect("pub")
            defer { publisher.close() }
            try await publisher.publish("status/marker", "after", qos: .atLeastOnce)
            // The old connection ended without DISCONNECT, so its will goes out, once, before the marker.
            var topics: [String] = []
            while topics.last != "status/marker" { topics.append(try await watcher.nextPublish().topic) }
            #expect(topics == ["status/device", "status/marker"])
        }
    }
}
