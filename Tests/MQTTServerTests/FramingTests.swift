import MQTTProtocol
import MQTTServer
import MQTTTestSupport
import NIOCore
import Testing

@Suite("Partial and coalesced frames")
struct FramingTests {
    @Test("CONNECT and a QoS 1 PUBLISH sent one byte per write are understood")
    func byteByByte() async throws {
        try await withServer { server in
            let subscriber = try await server.connect("sub")
            defer { subscriber.close() }
            try await subscriber.subscribe("slow/topic", qos: .atLeastOnce)

            let client = try await server.open()
            defer { client.close() }
            for byte in MQTTPacket.connect(ConnectPacket(clientID: "dribbler")).bytes {
                try await client.sendRaw([byte])
                try await Task.sleep(for: .milliseconds(2))
            }
            #expect(try await client.next() == .connack(ConnAckPacket(returnCode: .accepted)))

            let publish = PublishPacket(topic: "slow/topic", payload: ByteBuffer(string: "one byte at a time"), qos: .atLeastOnce, packetID: 0x1234)
            for byte in MQTTPacket.publish(publish).bytes {
                try await client.sendRaw([byte])
                try await Task.sleep(for: .milliseconds(2))
            }
            #expect(try await client.next() == .puback(packetID: 0x1234))
            let delivered = try await subscriber.nextPublish()
            #expect(Delivery(delivered) == Delivery("slow/topic", "one byte at a time", qos: .atLeastOnce))
        }
    }

    @Test("CONNECT, SUBSCRIBE and PUBLISH in a single write are handled in order")
    func coalescedConnectSubscribePublish() async throws {
        try await withServer { server in
            let client = try await server.open()
            defer { client.close() }
            try await client.send(
                .connect(ConnectPacket(clientID: "eager")),
                .subscribe(SubscribePacket(packetID: 1, subscriptions: [.init(filter: "echo", qos: .atLeastOnce)])),
                .publish(PublishPacket(topic: "echo", payload: ByteBuffer(string: "hi"), qos: .atLeastOnce, packetID: 2))
            )
            try await expectEcho(client)
        }
    }

    @Test("packets pipelined behind CONNECT wait for a slow authenticator")
    func coalescedWithSlowAuthenticator() async throws {
        let authenticator: @Sendable (MQTTConnectRequest) async -> MQTTAuthenticationResult<String> = { request in
            try? await Task.sleep(for: .milliseconds(300))
            return .accept(request.clientID)
        }
        try await withServer(authenticator: authenticator) { server in
            let client = try await server.open()
            defer { client.close() }
            try await client.send(
                .connect(ConnectPacket(clientID: "eager")),
                .subscribe(SubscribePacket(packetID: 1, subscriptions: [.init(filter: "echo", qos: .atLeastOnce)])),
                .publish(PublishPacket(topic: "echo", payload: ByteBuffer(string: "hi"), qos: .atLeastOnce, packetID: 2))
            )
            try await expectEcho(client)
        }
    }

    /// CONNACK first, then SUBACK (the subscription is in place before the PUBLISH is routed), then the echo and
    /// its PUBACK in either order.
    private func expectEcho(_ client: TestClient) async throws {
        #expect(try await client.next() == .connack(ConnAckPacket(returnCode: .accepted)))
        #expect(try await client.next() == .suback(SubAckPacket(packetID: 1, returnCodes: [.granted(.atLeastOnce)])))
        var sawAck = false
        var echo: PublishPacket?
        for _ in 0..<2 {
            switch try await client.next() {
            case .puback(let id):
                #expect(id == 2)
                sawAck = true
            case .publish(let publish):
                echo = publish
            case let other:
                Issue.record("unexpected \(other)")
            }
        }
        #expect(sawAck)
        #expect(echo.map(Delivery.init) == Delivery("echo", "hi", qos: .atLeastOnce))
    }

    @Test("200 QoS 1 PUBLISH packets in one write get 200 PUBACKs in order and are routed in order")
    func manyCoalescedPublishes() async throws {
        try await withServer { server in
            let subscriber = try await server.connect("sub")
            defer { subscriber.close() }
            try await subscriber.subscribe("burst", qos: .atMostOnce)
            let publisher = try await server.connect("pub")
            defer { publisher.close() }
            let packets = (1...200).map { i in
                MQTTPacket.publish(PublishPacket(topic: "burst", payload: ByteBuffer(string: "\(i)"), qos: .atLeastOnce, packetID: UInt16(i)))
            }
            try await publisher.send(packets)
            var acks: [UInt16] = []
            for _ in 1...200 {
                guard case .puback(let id) = try await publisher.next() else { Issue.record("expected PUBACK"); return }
                acks.append(id)
            }
            #expect(acks == (1...200).map { UInt16($0) })
            let received = try await subscriber.publishes(200).map(\.payloadString)
            #expect(received == (1...200).map { "\($0)" })
        }
    }

    @Test("a stream of packets cut at arbitrary points is reassembled", arguments: [UInt64(1), 2, 3])
    func arbitraryChunks(seed: UInt64) async throws {
        try await withServer { server in
            let client = try await server.open()
            defer { client.close() }
            var stream: [UInt8] = MQTTPacket.connect(ConnectPacket(clientID: "chunky")).bytes
            stream += MQTTPacket.subscribe(SubscribePacket(packetID: 1, subscriptions: [.init(filter: "chunks/+", qos: .atMostOnce)])).bytes
            for i in 1...50 {
                let payload = String(repeating: "p", count: i * 7)
                stream += MQTTPacket.publish(PublishPacket(topic: "chunks/\(i)", payload: ByteBuffer(string: payload))).bytes
            }
            stream += MQTTPacket.pingreq.bytes
            var generator = SplitMix64(seed: seed)
            var offset = 0
            while offset < stream.count {
                let length = min(stream.count - offset, Int(generator.next() % 40) + 1)
                try await client.sendRaw(Array(stream[offset..<offset + length]))
                offset += length
                if generator.next() % 4 == 0 { try await Task.sleep(for: .milliseconds(1)) }
            }
            #expect(try await client.next() == .connack(ConnAckPacket(returnCode: .accepted)))
            #expect(try await client.next() == .suback(SubAckPacket(packetID: 1, returnCodes: [.granted(.atMostOnce)])))
            // The PINGRESP may overtake the client's own messages routed back to it: they are separate flows.
            var received: [PublishPacket] = []
            var pongs = 0
            while received.count < 50 || pongs < 1 {
                switch try await client.next() {
                case .publish(let publish): received.append(publish)
                case .pingresp: pongs += 1
                case let other: Issue.record("unexpected \(other)")
                }
            }
            #expect(pongs == 1)
            #expect(received.map(\.topic) == (1...50).map { "chunks/\($0)" })
            #expect(received.map(\.payload.readableBytes) == (1...50).map { $0 * 7 })
        }
    }
}
