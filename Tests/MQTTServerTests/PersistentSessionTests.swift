import MQTTProtocol
import MQTTServer
import MQTTTestSupport
import NIOCore
import Testing

@Suite("Persistent and clean sessions")
struct PersistentSessionTests {
    /// Connects `clientID` with CleanSession=0, subscribes to `filter` at QoS 1, then disconnects cleanly and waits
    /// until the server has detached the session.
    private func makeOfflineSession(_ server: TestServer, _ clientID: String, filter: String) async throws {
        let client = try await server.connect(clientID, cleanSession: false, expectSessionPresent: false)
        defer { client.close() }
        try await client.subscribe(filter, qos: .atLeastOnce)
        let before = server.recorder.disconnections(of: clientID).count
        try await client.disconnect()
        #expect(try await server.waitForDisconnections(clientID, count: before + 1).last == .clientDisconnected)
    }

    @Test("QoS 1 messages published while a persistent client is away are delivered on reconnect, in order")
    func offlineMessagesDelivered() async throws {
        try await withServer { server in
            try await makeOfflineSession(server, "device", filter: "cmd/#")
            let publisher = try await server.connect("pub")
            defer { publisher.close() }
            for i in 1...5 {
                try await publisher.publish("cmd/\(i)", "m\(i)", qos: .atLeastOnce, packetID: UInt16(i))
            }
            #expect(server.server.session(for: "device")?.queuedMessages == 5)

            let device = try await server.connect("device", cleanSession: false, expectSessionPresent: true)
            defer { device.close() }
            let received = try await device.publishes(5)
            #expect(received.map(Delivery.init) == (1...5).map { Delivery("cmd/\($0)", "m\($0)", qos: .atLeastOnce) })
            #expect(received.allSatisfy { !$0.dup })
            for publish in received { try await device.send(.puback(packetID: publish.packetID ?? 0)) }
            // The subscription survived too: a new message arrives without re-subscribing.
            try await publisher.publish("cmd/6", "m6", qos: .atLeastOnce, packetID: 6)
            #expect(try await device.nextPublish().payloadString == "m6")
        }
    }

    @Test("QoS 0 messages are not queued for an offline session")
    func offlineQoS0Dropped() async throws {
        try await withServer { server in
            try await makeOfflineSession(server, "device", filter: "t")
            let publisher = try await server.connect("pub")
            defer { publisher.close() }
            try await publisher.publish("t", "qos0", qos: .atMostOnce)
            try await publisher.publish("t", "qos1", qos: .atLeastOnce)
            let device = try await server.connect("device", cleanSession: false, expectSessionPresent: true)
            defer { device.close() }
            #expect(try await device.nextPublish().payloadString == "qos1")
        }
    }

    @Test("a QoS 1 message delivered but not acknowledged is redelivered with DUP=1 and the same id after reconnect")
    func unackedRedeliveredWithDup() async throws {
        try await withServer { server in
            let first = try await server.connect("device", cleanSession: false, expectSessionPresent: false)
            defer { first.close() }
            try await first.subscribe("cmd", qos: .atLeastOnce)
            let publisher = try await server.connect("pub")
            defer { publisher.close() }
            try await publisher.publish("cmd", "A", qos: .atLeastOnce, packetID: 1)
            try await publisher.publish("cmd", "B", qos: .atLeastOnce, packetID: 2)
            let a = try await first.nextPublish()
            let b = try await first.nextPublish()
            #expect([a, b].map(\.payloadString) == ["A", "B"])
            #expect(!a.dup && !b.dup)
            try await first.send(.puback(packetID: a.packetID ?? 0))  // A acknowledged, B not.
            try await first.ping()
            first.close()  // connection lost, no DISCONNECT
            #expect(try await server.waitForDisconnections("device", count: 1) == [.connectionLost])

            let second = try await server.connect("device", cleanSession: false, expectSessionPresent: true)
            defer { second.close() }
            let again = try await second.nextPublish()
            #expect(again.payloadString == "B")
            #expect(again.dup)
            #expect(again.packetID == b.packetID)
            #expect(again.qos == .atLeastOnce)
            try await second.send(.puback(packetID: again.packetID ?? 0))
            try await second.ping()
            #expect(server.server.session(for: "device")?.queuedMessages == 0)

            // Acknowledged now: a third connection gets nothing again.
            second.close()
            try await server.waitForDisconnections("device", count: 2)
            let third = try await server.connect("device", cleanSession: false, expectSessionPresent: true)
            defer { third.close() }
            try await third.send(.pingreq)
            #expect(try await third.next() == .pingresp)
        }
    }

    @Test("reconnecting with CleanSession=1 discards the stored session and its messages")
    func cleanSessionDiscards() async throws {
        try await withServer { server in
            try await makeOfflineSession(server, "device", filter: "cmd")
            let publisher = try await server.connect("pub")
            defer { publisher.close() }
            try await publisher.publish("cmd", "stale", qos: .atLeastOnce)

            let clean = try await server.connect("device", cleanSession: true, expectSessionPresent: false)
            defer { clean.close() }
            #expect(server.server.session(for: "device")?.subscriptions.isEmpty == true)
            // Nothing stored is delivered, and the old subscription is gone.
            try await publisher.publish("cmd", "after", qos: .atLeastOnce, packetID: 2)
            try await clean.send(.pingreq)
            #expect(try await clean.next() == .pingresp)
            try await clean.disconnect()
            try await server.waitForSessionGone("device")

            // And CleanSession=0 afterwards starts from scratch.
            let fresh = try await server.connect("device", cleanSession: false, expectSessionPresent: false)
            defer { fresh.close() }
            try await fresh.send(.pingreq)
            #expect(try await fresh.next() == .pingresp)
        }
    }

    @Test("a clean session is forgotten when its connection ends")
    func cleanSessionForgotten() async throws {
        try await withServer { server in
            let client = try await server.connect("ephemeral", cleanSession: true)
            try await client.subscribe("t", qos: .atLeastOnce)
            client.close()
            try await server.waitForSessionGone("ephemeral")
            let again = try await server.connect("ephemeral", cleanSession: false, expectSessionPresent: false)
            defer { again.close() }
            #expect(server.server.session(for: "ephemeral")?.subscriptions.isEmpty == true)
        }
    }

    @Test("offline messages beyond maxOfflineMessages are dropped, the first ones kept")
    func offlineLimit() async throws {
        try await withServer({ $0.maxOfflineMessages = 3 }) { server in
            try await makeOfflineSession(server, "device", filter: "t")
            let publisher = try await server.connect("pub")
            defer { publisher.close() }
            for i in 1...5 { try await publisher.publish("t", "\(i)", qos: .atLeastOnce, packetID: UInt16(i)) }
            let session = try #require(server.server.session(for: "device"))
            #expect(session.droppedMessages == 2)
            let device = try await server.connect("device", cleanSession: false, expectSessionPresent: true)
            defer { device.close() }
            #expect(try await device.publishes(3).map(\.payloadString) == ["1", "2", "3"])
            try await device.send(.pingreq)
            #expect(try await device.next() == .pingresp)
        }
    }
}
