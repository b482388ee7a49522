import MQTTProtocol
import MQTTServer
import MQTTTestSupport
import NIOCore
import Testing

@Suite("QoS 0, 1 and 2")
struct QoSTests {
    @Test("a QoS 1 PUBLISH is acknowledged with a PUBACK carrying its packet id")
    func pubAck() async throws {
        try await withServer { server in
            let client = try await server.connect("pub")
            defer { client.close() }
            for id: UInt16 in [1, 0x7FFF, 0xFFFF] {
                try await client.send(.publish(PublishPacket(topic: "a/b", payload: ByteBuffer(string: "x"), qos: .atLeastOnce, packetID: id)))
                #expect(try await client.next() == .puback(packetID: id))
            }
        }
    }

    @Test("a QoS 0 PUBLISH gets no answer")
    func qos0NoAnswer() async throws {
        try await withServer { server in
            let client = try await server.connect("pub")
            defer { client.close() }
            try await client.send(.publish(PublishPacket(topic: "a/b", payload: ByteBuffer(string: "x"))))
            try await client.send(.pingreq)
            #expect(try await client.next() == .pingresp)
        }
    }

    @Test("QoS 1 messages reach a QoS 1 subscriber with packet ids, payload intact and RETAIN=0")
    func qos1Routing() async throws {
        try await withServer { server in
            let subscriber = try await server.connect("sub")
            defer { subscriber.close() }
            #expect(try await subscriber.subscribe("telemetry", qos: .atLeastOnce) == [.granted(.atLeastOnce)])
            let publisher = try await server.connect("pub")
            defer { publisher.close() }
            let binary = ByteBuffer(bytes: (0...255).map { UInt8($0) })
            try await publisher.send(.publish(PublishPacket(topic: "telemetry", payload: binary, qos: .atLeastOnce, packetID: 9)))
            #expect(try await publisher.next() == .puback(packetID: 9))
            let delivered = try await subscriber.nextPublish()
            #expect(delivered.topic == "telemetry")
            #expect(delivered.payload == binary)
            #expect(delivered.qos == .atLeastOnce)
            #expect(!delivered.retain)
            #expect(!delivered.dup)
            let id = try #require(delivered.packetID)
            #expect(id != 0)
            try await subscriber.send(.puback(packetID: id))
            try await subscriber.ping()
            #expect(server.server.session(for: "sub")?.queuedMessages == 0)
        }
    }

    @Test(
        "delivery QoS is the minimum of the published and the granted QoS",
        arguments: [
            (QoS.atMostOnce, QoS.atMostOnce, QoS.atMostOnce),
            (.atMostOnce, .atLeastOnce, .atMostOnce),
            (.atLeastOnce, .atMostOnce, .atMostOnce),
            (.atLeastOnce, .atLeastOnce, .atLeastOnce),
            (.exactlyOnce, .atLeastOnce, .atLeastOnce),
            (.exactlyOnce, .exactlyOnce, .atLeastOnce),
            (.atLeastOnce, .exactlyOnce, .atLeastOnce),
            (.exactlyOnce, .atMostOnce, .atMostOnce),
        ]
    )
    func deliveryQoS(published: QoS, requested: QoS, expected: QoS) async throws {
        try await withServer { server in
            let subscriber = try await server.connect("sub")
            defer { subscriber.close() }
            try await subscriber.subscribe("q", qos: requested)
            let publisher = try await server.connect("pub")
            defer { publisher.close() }
            try await publisher.publish("q", "m", qos: published, packetID: 3)
            let delivered = try await subscriber.nextPublish()
            #expect(delivered.qos == expected)
            #expect((delivered.packetID != nil) == (expected != .atMostOnce))
        }
    }

    @Test("PUBACKs come back in the order the PUBLISHes were sent")
    func inOrderPubAcks() async throws {
        try await withServer { server in
            let subscriber = try await server.connect("sub")
            defer { subscriber.close() }
            try await subscriber.subscribe("ordered/#", qos: .atLeastOnce)
            let publisher = try await server.connect("pub")
            defer { publisher.close() }
            // Ids deliberately not ascending, mixed with QoS 0 messages that need no acknowledgement.
            let ids: [UInt16] = [500, 3, 77, 65535, 1, 42, 9000, 2, 31337, 8]
            var packets: [MQTTPacket] = []
            for (i, id) in ids.enumerated() {
                packets.append(.publish(PublishPacket(topic: "ordered/\(i)", payload: ByteBuffer(string: "\(i)"), qos: .atLeastOnce, packetID: id)))
                packets.append(.publish(PublishPacket(topic: "ordered/zero", payload: ByteBuffer(string: "q0-\(i)"))))
            }
            try await publisher.send(packets)
            var acks: [UInt16] = []
            for _ in ids {
                guard case .puback(let id) = try await publisher.next() else { Issue.record("expected PUBACK"); return }
                acks.append(id)
            }
            #expect(acks == ids)
            // The subscriber acknowledges as it goes, so the in-flight window never holds anything back.
            var payloads: [String] = []
            while payloads.count < ids.count * 2 {
                let publish = try await subscriber.nextPublish()
                payloads.append(publish.payloadString)
                if let id = publish.packetID { try await subscriber.send(.puback(packetID: id)) }
            }
            #expect(payloads == ids.indices.flatMap { ["\($0)", "q0-\($0)"] })
        }
    }

    @Test("QoS 2 inbound: PUBREC, then PUBREL → PUBCOMP; the subscriber gets it once, at QoS 1")
    func qos2Inbound() async throws {
        try await withServer { server in
            let subscriber = try await server.connect("sub")
            defer { subscriber.close() }
            #expect(try await subscriber.subscribe("exact", qos: .exactlyOnce) == [.granted(.atLeastOnce)])
            let publisher = try await server.connect("pub")
            defer { publisher.close() }
            try await publisher.send(.publish(PublishPacket(topic: "exact", payload: ByteBuffer(string: "once"), qos: .exactlyOnce, packetID: 5)))
            #expect(try await publisher.next() == .pubrec(packetID: 5))
            let delivered = try await subscriber.nextPublish()
            #expect(Delivery(delivered) == Delivery("exact", "once", qos: .atLeastOnce))
            try await publisher.send(.pubrel(packetID: 5))
            #expect(try await publisher.next() == .pubcomp(packetID: 5))
            try await subscriber.send(.puback(packetID: delivered.packetID ?? 0))
            try await subscriber.send(.pingreq)
            #expect(try await subscriber.next() == .pingresp, "delivered exactly once")
        }
    }

    @Test("a QoS 2 PUBLISH resent before PUBREL is acknowledged again and delivered once")
    func qos2ResendDeliveredOnce() async throws {
        try await withServer { server in
            let subscriber = try await server.connect("sub")
            defer { subscriber.close() }
            try await subscriber.subscribe("exact", qos: .atMostOnce)
            let publisher = try await server.connect("pub")
            defer { publisher.close() }
            let first = PublishPacket(topic: "exact", payload: ByteBuffer(string: "m1"), qos: .exactlyOnce, packetID: 10)
            try await publisher.send(.publish(first))
            #expect(try await publisher.next() == .pubrec(packetID: 10))
            var resend = first
            resend.dup = true
            try await publisher.send(.publish(resend))
            #expect(try await publisher.next() == .pubrec(packetID: 10))
            try await publisher.send(.publish(resend))
            #expect(try await publisher.next() == .pubrec(packetID: 10))
            try await publisher.send(.pubrel(packetID: 10))
            #expect(try await publisher.next() == .pubcomp(packetID: 10))
            // After PUBCOMP the id is free: the same id now carries a new message.
            let second = PublishPacket(topic: "exact", payload: ByteBuffer(string: "m2"), qos: .exactlyOnce, packetID: 10)
            try await publisher.send(.publish(second))
            #expect(try await publisher.next() == .pubrec(packetID: 10))
            try await publisher.send(.pubrel(packetID: 10))
            #expect(try await publisher.next() == .pubcomp(packetID: 10))

            #expect(try await subscriber.nextPublish().payloadString == "m1")
            #expect(try await subscriber.nextPublish().payloadString == "m2")
            try await subscriber.send(.pingreq)
            #expect(try await subscriber.next() == .pingresp, "each message delivered once")
        }
    }

    @Test("a message the delegate does not accept is not acknowledged; the connection is closed", arguments: [QoS.atLeastOnce, .exactlyOnce])
    func delegateFailureClosesWithoutAck(qos: QoS) async throws {
        try await withServer { server in
            server.recorder.failOnce(topic: "fragile")
            let client = try await server.connect("c")
            defer { client.close() }
            try await client.send(
                .publish(PublishPacket(topic: "ok", payload: ByteBuffer(string: "1"), qos: qos, packetID: 1)),
                .publish(PublishPacket(topic: "fragile", payload: ByteBuffer(string: "2"), qos: qos, packetID: 2)),
                .publish(PublishPacket(topic: "ok", payload: ByteBuffer(string: "3"), qos: qos, packetID: 3))
            )
            var acks: [MQTTPacket] = []
            while case .packet(let packet)? = await client.event() { acks.append(packet) }
            let expected: MQTTPacket = qos == .atLeastOnce ? .puback(packetID: 1) : .pubrec(packetID: 1)
            #expect(acks == [expected], "only the message before the refused one is acknowledged")
        }
    }

    @Test("a QoS 2 message the delegate did not accept is delivered when the client sends it again")
    func qos2RetryAfterDelegateFailure() async throws {
        try await withServer { server in
            let subscriber = try await server.connect("sub")
            defer { subscriber.close() }
            try await subscriber.subscribe("fragile", qos: .atLeastOnce)
            server.recorder.failOnce(topic: "fragile")
            let publish = PublishPacket(topic: "fragile", payload: ByteBuffer(string: "precious"), qos: .exactlyOnce, packetID: 7)

            let first = try await server.connect("pub", cleanSession: false)
            defer { first.close() }
            try await first.send(.publish(publish))
            #expect(await first.waitForClose())
            try await server.waitForDisconnections("pub")

            // The client resends the unacknowledged QoS 2 message on its persistent session.
            let second = try await server.connect("pub", cleanSession: false, expectSessionPresent: true)
            defer { second.close() }
            var resend = publish
            resend.dup = true
            try await second.send(.publish(resend))
            #expect(try await second.next() == .pubrec(packetID: 7))
            try await second.send(.pubrel(packetID: 7))
            #expect(try await second.next() == .pubcomp(packetID: 7))
            #expect(try await subscriber.nextPublish().payloadString == "precious")
        }
    }

    @Test("PUBREL for an unknown id is still answered with PUBCOMP")
    func pubrelUnknownID() async throws {
        try await withServer { server in
            let client = try await server.connect("c")
            defer { client.close() }
            try await client.send(.pubrel(packetID: 99))
            #expect(try await client.next() == .pubcomp(packetID: 99))
        }
    }

    @Test("SUBSCRIBE with QoS 2 is granted QoS 1; several filters get codes in order")
    func subscribeGrants() async throws {
        try await withServer { server in
            let client = try await server.connect("c")
            defer { client.close() }
            let codes = try await client.subscribe([("a", .exactlyOnce), ("b/+", .atMostOnce), ("c/#", .atLeastOnce)], packetID: 0xBEEF)
            #expect(codes == [.granted(.atLeastOnce), .granted(.atMostOnce), .granted(.atLeastOnce)])
            let subscriptions = try #require(server.server.session(for: "c")?.subscriptions)
            #expect(subscriptions == ["a": .atLeastOnce, "b/+": .atMostOnce, "c/#": .atLeastOnce])
        }
    }

    @Test("UNSUBSCRIBE is acknowledged and stops delivery")
    func unsubscribe() async throws {
        try await withServer { server in
            let client = try await server.connect("c")
            defer { client.close() }
            try await client.subscribe([("x", .atMostOnce), ("y", .atMostOnce)])
            try await client.send(.unsubscribe(UnsubscribePacket(packetID: 4, filters: ["x", "never-subscribed"])))
            #expect(try await client.next() == .unsuback(packetID: 4))
            #expect(server.server.session(for: "c")?.subscriptions == ["y": .atMostOnce])
            let publisher = try await server.connect("pub")
            defer { publisher.close() }
            try await publisher.publish("x", "gone", qos: .atLeastOnce)
            try await publisher.publish("y", "still here", qos: .atLeastOnce)
            #expect(try await client.nextPublish().topic == "y")
        }
    }

    @Test("the server does not send QoS 2 even to a QoS 2 publisher subscribed to itself")
    func neverSendsQoS2() async throws {
        try await withServer { server in
            let client = try await server.connect("self")
            defer { client.close() }
            try await client.subscribe("loop", qos: .exactlyOnce)
            try await client.publish("loop", "x", qos: .exactlyOnce, packetID: 1)
            let delivered = try await client.nextPublish()
            #expect(delivered.qos == .atLeastOnce)
        }
    }
}
