import MQTTProtocol
import MQTTServer
import MQTTTestSupport
import NIOCore
import Testing

@Suite("Client id take-over")
struct TakeoverTests {
    @Test("a second connection with the same client id closes the first; the second keeps working", arguments: [true, false])
    func secondConnectionWins(cleanSession: Bool) async throws {
        try await withServer { server in
            let first = try await server.connect("dup", cleanSession: cleanSession)
            defer { first.close() }
            try await first.subscribe("for/dup", qos: .atLeastOnce)

            let second = try await server.connect("dup", cleanSession: cleanSession, expectSessionPresent: !cleanSession)
            defer { second.close() }
            #expect(await first.waitForClose())
            #expect(try await server.waitForDisconnections("dup") == [.takenOver])

            // The old connection's end did not tear down the new one or its session.
            try await second.ping()
            if cleanSession {
                try await second.subscribe("for/dup", qos: .atLeastOnce)
            } else {
                #expect(server.server.session(for: "dup")?.subscriptions == ["for/dup": .atLeastOnce])
            }
            let publisher = try await server.connect("pub")
            defer { publisher.close() }
            try await publisher.publish("for/dup", "to the new one", qos: .atLeastOnce)
            let delivered = try await second.nextPublish()
            #expect(delivered.payloadString == "to the new one")
            #expect(server.server.session(for: "dup") != nil)
        }
    }

    @Test("a clean take-over of a persistent session discards its subscriptions")
    func cleanTakeoverDiscardsSubscriptions() async throws {
        try await withServer { server in
            let first = try await server.connect("dup", cleanSession: false)
            defer { first.close() }
            try await first.subscribe("old/filter", qos: .atLeastOnce)
            let second = try await server.connect("dup", cleanSession: true, expectSessionPresent: false)
            defer { second.close() }
            #expect(await first.waitForClose())
            try await server.waitForDisconnections("dup")
            try await second.subscribe("new/filter", qos: .atLeastOnce)
            let publisher = try await server.connect("pub")
            defer { publisher.close() }
            try await publisher.publish("old/filter", "stale", qos: .atLeastOnce)
            try await publisher.publish("new/filter", "fresh", qos: .atLeastOnce, packetID: 2)
            #expect(try await second.nextPublish().payloadString == "fresh")
        }
    }

    @Test("unacknowledged messages of a taken-over persistent session are resent to the new connection")
    func takeoverResendsInflight() async throws {
        try await withServer { server in
            let first = try await server.connect("dup", cleanSession: false)
            defer { first.close() }
            try await first.subscribe("cmd", qos: .atLeastOnce)
            let publisher = try await server.connect("pub")
            defer { publisher.close() }
            try await publisher.publish("cmd", "pending", qos: .atLeastOnce)
            let original = try await first.nextPublish()

            let second = try await server.connect("dup", cleanSession: false, expectSessionPresent: true)
            defer { second.close() }
            let resent = try await second.nextPublish()
            #expect(resent.payloadString == "pending")
            #expect(resent.dup)
            #expect(resent.packetID == original.packetID)
            #expect(await first.waitForClose())
        }
    }

    @Test("a chain of take-overs leaves exactly the last connection open")
    func repeatedTakeover() async throws {
        try await withServer { server in
            var clients: [TestClient] = []
            defer { clients.forEach { $0.close() } }
            for _ in 0..<5 {
                clients.append(try await server.connect("hot", cleanSession: false))
            }
            for client in clients.dropLast() {
                #expect(await client.waitForClose())
            }
            try await clients.last?.ping()
            #expect(try await server.waitForDisconnections("hot", count: 4).allSatisfy { $0 == .takenOver })
            #expect(server.recorder.connections(of: "hot") == 5)
        }
    }
}
