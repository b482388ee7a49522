import MQTTProtocol
import MQTTServer
import MQTTTestSupport
import NIOCore
import Testing

/// Bytes a conforming client never sends.
struct MalformedCase: Sendable, CustomTestStringConvertible {
    var name: String
    var bytes: [UInt8]

    init(_ name: String, _ bytes: [UInt8]) {
        self.name = name
        self.bytes = bytes
    }

    var testDescription: String { name }

    static let afterConnect: [MalformedCase] = [
        .init("reserved packet type 0", [0x00, 0x00]),
        .init("reserved packet type 15", [0xF0, 0x00]),
        .init("SUBSCRIBE with flags 0000", [0x80, 0x06, 0x00, 0x01, 0x00, 0x01, 0x61, 0x00]),
        .init("PUBREL with flags 0000", [0x60, 0x02, 0x00, 0x01]),
        .init("PINGREQ with flags 0001", [0xC1, 0x00]),
        .init("DISCONNECT with flags 1000", [0xE8, 0x00]),
        .init("PUBLISH with QoS 3", [0x36, 0x05, 0x00, 0x01, 0x61, 0x00, 0x01]),
        .init("PUBLISH with DUP at QoS 0", [0x38, 0x03, 0x00, 0x01, 0x61]),
        .init("PUBLISH topic that is not UTF-8", [0x30, 0x04, 0x00, 0x02, 0xC3, 0x28]),
        .init("PUBLISH topic with a UTF-16 surrogate", [0x30, 0x05, 0x00, 0x03, 0xED, 0xA0, 0x80]),
        .init("PUBLISH topic with U+0000", [0x30, 0x03, 0x00, 0x01, 0x00]),
        .init("PUBLISH topic with a wildcard", [0x30, 0x05, 0x00, 0x03, 0x61, 0x2F, 0x23]),
        .init("PUBLISH with an empty topic", [0x30, 0x03, 0x00, 0x00, 0x41]),
        .init("QoS 1 PUBLISH with packet id 0", [0x32, 0x05, 0x00, 0x01, 0x61, 0x00, 0x00]),
        .init("PUBLISH topic length beyond the packet", [0x30, 0x03, 0x00, 0x09, 0x61]),
        .init("remaining length longer than 4 bytes", [0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]),
        .init("SUBSCRIBE without filters", [0x82, 0x02, 0x00, 0x01]),
        .init("SUBSCRIBE asking for QoS 3", [0x82, 0x06, 0x00, 0x01, 0x00, 0x01, 0x61, 0x03]),
        .init("SUBSCRIBE with filter a#", [0x82, 0x07, 0x00, 0x01, 0x00, 0x02, 0x61, 0x23, 0x00]),
        .init("SUBSCRIBE with filter a/#/b", [0x82, 0x0A, 0x00, 0x01, 0x00, 0x05, 0x61, 0x2F, 0x23, 0x2F, 0x62, 0x00]),
        .init("UNSUBSCRIBE without filters", [0xA2, 0x02, 0x00, 0x01]),
        .init("PUBACK cut short", [0x40, 0x01, 0x00]),
        .init("PINGREQ with a body", [0xC0, 0x01, 0x00]),
        .init("CONNACK from a client", [0x20, 0x02, 0x00, 0x00]),
        .init("SUBACK from a client", [0x90, 0x03, 0x00, 0x01, 0x00]),
        .init("UNSUBACK from a client", [0xB0, 0x02, 0x00, 0x01]),
        .init("PINGRESP from a client", [0xD0, 0x00]),
    ]

    /// CONNECT "a", clean session, keep-alive 60, with one byte changed.
    static func connect(patching index: Int, to value: UInt8) -> [UInt8] {
        var bytes: [UInt8] = [0x10, 0x0D, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x04, 0x02, 0x00, 0x3C, 0x00, 0x01, 0x61]
        bytes[index] = value
        return bytes
    }

    static let asConnect: [MalformedCase] = [
        .init("CONNECT with the reserved flag", connect(patching: 9, to: 0x03)),
        .init("CONNECT with protocol name MQTX", connect(patching: 7, to: 0x58)),
        .init("CONNECT with a client id that is not UTF-8", connect(patching: 14, to: 0xFF)),
        .init("CONNECT with a password but no user name", connect(patching: 9, to: 0x42)),
        .init("CONNECT with will QoS but no will", connect(patching: 9, to: 0x0A)),
        .init("CONNECT with flags 0001", connect(patching: 0, to: 0x11)),
        .init("CONNECT cut short", [0x10, 0x03, 0x00, 0x04, 0x4D]),
        .init("MQIsdp name with level 4", [0x10, 0x0F, 0x00, 0x06, 0x4D, 0x51, 0x49, 0x73, 0x64, 0x70, 0x04, 0x02, 0x00, 0x3C, 0x00, 0x01, 0x61]),
    ]
}

@Suite("Malformed and oversized packets")
struct MalformedPacketTests {
    @Test("a malformed packet after CONNECT closes the connection; the server keeps serving others", arguments: MalformedCase.afterConnect)
    func malformedAfterConnect(testCase: MalformedCase) async throws {
        try await withServer { server in
            let bystander = try await server.connect("bystander")
            defer { bystander.close() }
            let client = try await server.connect("offender")
            defer { client.close() }
            try await client.sendRaw(testCase.bytes)
            let event = await client.event()
            guard case .closed = event else {
                Issue.record("\(testCase.name): expected the connection to close, got \(event.map { "\($0)" } ?? "nothing")")
                return
            }
            try await bystander.ping()
            try await ensureServerStillServes(server)
        }
    }

    @Test("messages accepted before a malformed packet in the same write are still acknowledged")
    func acksBeforeMalformedPacketAreSent() async throws {
        try await withServer { server in
            let subscriber = try await server.connect("sub")
            defer { subscriber.close() }
            try await subscriber.subscribe("t", qos: .atMostOnce)
            let client = try await server.connect("offender")
            defer { client.close() }
            var bytes: [UInt8] = []
            for id: UInt16 in 1...3 {
                bytes += MQTTPacket.publish(PublishPacket(topic: "t", payload: ByteBuffer(string: "\(id)"), qos: .atLeastOnce, packetID: id)).bytes
            }
            bytes += [0x00, 0x00]
            try await client.sendRaw(bytes)
            var seen: [MQTTPacket] = []
            while case .packet(let packet)? = await client.event() { seen.append(packet) }
            #expect(seen == [.puback(packetID: 1), .puback(packetID: 2), .puback(packetID: 3)])
            #expect(try await subscriber.publishes(3).map(\.payloadString) == ["1", "2", "3"])
        }
    }

    @Test("a malformed CONNECT closes the connection without CONNACK", arguments: MalformedCase.asConnect)
    func malformedConnect(testCase: MalformedCase) async throws {
        try await withServer { server in
            let client = try await server.open()
            defer { client.close() }
            try await client.sendRaw(testCase.bytes)
            let event = await client.event()
            guard case .closed = event else {
                Issue.record("\(testCase.name): expected the connection to close, got \(event.map { "\($0)" } ?? "nothing")")
                return
            }
            try await ensureServerStillServes(server)
        }
    }

    @Test("a packet announcing more than maxPacketSize is refused before its body is sent")
    func oversizedRefusedFromHeader() async throws {
        try await withServer({ $0.maxPacketSize = 1024 }) { server in
            let subscriber = try await server.connect("sub")
            defer { subscriber.close() }
            try await subscriber.subscribe("#", qos: .atMostOnce)
            let client = try await server.connect("big")
            defer { client.close() }
            // PUBLISH announcing 1,000,000 bytes, then only the start of its topic: the rest never comes.
            try await client.sendRaw([0x30, 0xC0, 0x84, 0x3D, 0x00, 0x03, 0x62])
            #expect(await client.waitForClose(timeout: .seconds(10)))
            try await subscriber.ping()
            try await ensureServerStillServes(server)
        }
    }

    @Test("maxPacketSize is inclusive: a packet of exactly that size passes, one byte more closes")
    func maxPacketSizeBoundary() async throws {
        let limit = 1024
        try await withServer({ $0.maxPacketSize = limit }) { server in
            let subscriber = try await server.connect("sub")
            defer { subscriber.close() }
            try await subscriber.subscribe("big", qos: .atMostOnce)

            func publish(totalSize: Int) -> PublishPacket {
                var payloadSize = totalSize - 8
                while true {
                    let packet = PublishPacket(topic: "big", payload: ByteBuffer(repeating: 0x2A, count: payloadSize), qos: .atLeastOnce, packetID: 1)
                    let size = MQTTPacket.publish(packet).encodedSize
                    if size == totalSize { return packet }
                    payloadSize += totalSize - size
                }
            }

            let publisher = try await server.connect("pub")
            defer { publisher.close() }
            let fits = publish(totalSize: limit)
            try await publisher.send(.publish(fits))
            #expect(try await publisher.next() == .puback(packetID: 1))
            let delivered = try await subscriber.nextPublish()
            #expect(delivered.payload.readableBytes == fits.payload.readableBytes)

            try await publisher.send(.publish(publish(totalSize: limit + 1)))
            #expect(await publisher.waitForClose())
            try await subscriber.ping()
        }
    }

    @Test("an oversized CONNECT is refused")
    func oversizedConnect() async throws {
        try await withServer({ $0.maxPacketSize = 128 }) { server in
            let client = try await server.open()
            defer { client.close() }
            try await client.send(.connect(ConnectPacket(clientID: String(repeating: "x", count: 200))))
            let event = await client.event()
            guard case .closed = event else {
                Issue.record("expected the connection to close, got \(event.map { "\($0)" } ?? "nothing")")
                return
            }
        }
    }
}
