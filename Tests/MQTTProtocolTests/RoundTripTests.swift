import MQTTProtocol
import NIOCore
import Testing

/// encode → decode gives back the same value, the whole buffer is consumed, and `encodedSize` is exact.
@Suite struct RoundTripTests {
    static func assertRoundTrip(_ packet: MQTTPacket, sourceLocation: SourceLocation = #_sourceLocation) throws {
        var buffer = ByteBuffer()
        packet.encode(into: &buffer)
        let size = buffer.readableBytes
        #expect(packet.encodedSize == size, sourceLocation: sourceLocation)
        let decoded = try MQTTPacket.decode(from: &buffer)
        #expect(decoded == packet, sourceLocation: sourceLocation)
        #expect(decoded?.type == packet.type, sourceLocation: sourceLocation)
        #expect(
            buffer.readableBytes == 0, "decode left \(buffer.readableBytes) of \(size) bytes",
            sourceLocation: sourceLocation)
    }

    // MARK: CONNECT

    static let wills: [ConnectPacket.Will?] =
        [nil]
        + [QoS.atMostOnce, .atLeastOnce, .exactlyOnce].flatMap { qos in
            [false, true].map { retain in
                ConnectPacket.Will(
                    topic: "clients/gone", payload: ByteBuffer(string: "bye \(qos)"), qos: qos, retain: retain)
            }
        }
        + [ConnectPacket.Will(topic: "w/ü", payload: ByteBuffer(), qos: .atLeastOnce)]

    static let credentials: [(String?, [UInt8]?)] = [
        (nil, nil), ("user", nil), ("user", [0x00, 0xFF, 0x10]), ("", []), ("Zoë", Array("secret".utf8)),
    ]

    static let connects: [ConnectPacket] = {
        var result: [ConnectPacket] = []
        for will in wills {
            for (username, password) in credentials {
                for cleanSession in [true, false] {
                    for keepAlive: UInt16 in [0, 60, 65535] {
                        for level: UInt8 in [3, 4] {
                            result.append(
                                ConnectPacket(
                                    clientID: cleanSession ? "" : "client-\(keepAlive)",
                                    cleanSession: cleanSession,
                                    keepAlive: keepAlive,
                                    will: will,
                                    username: username,
                                    password: password,
                                    protocolLevel: level
                                )
                            )
                        }
                    }
                }
            }
        }
        return result
    }()

    @Test(arguments: connects)
    func connect(_ connect: ConnectPacket) throws {
        try Self.assertRoundTrip(.connect(connect))
    }

    @Test func connectPasswordWithoutUsernameOnMQTT31() throws {
        try Self.assertRoundTrip(.connect(ConnectPacket(clientID: "old", password: [1, 2], protocolLevel: 3)))
    }

    @Test func connectLongFields() throws {
        let long = String(repeating: "x", count: 65535)
        let payload = ByteBuffer(repeating: 7, count: 65535)
        try Self.assertRoundTrip(
            .connect(
                ConnectPacket(
                    clientID: long,
                    will: .init(topic: long, payload: payload, qos: .exactlyOnce, retain: true),
                    username: long,
                    password: [UInt8](repeating: 9, count: 65535)
                )
            )
        )
    }

    // MARK: CONNACK

    static let returnCodes: [ConnectReturnCode] = [
        .accepted, .unacceptableProtocolVersion, .identifierRejected, .serverUnavailable, .badUsernameOrPassword,
        .notAuthorized,
    ]

    @Test(arguments: returnCodes, [false, true])
    func connack(returnCode: ConnectReturnCode, sessionPresent: Bool) throws {
        try Self.assertRoundTrip(.connack(ConnAckPacket(sessionPresent: sessionPresent, returnCode: returnCode)))
    }

    @Test func connectReturnCodeValues() {
        #expect(Self.returnCodes.map(\.rawValue) == [0, 1, 2, 3, 4, 5])
        #expect(ConnectReturnCode(rawValue: 6) == nil)
        #expect(ConnectReturnCode.unacceptableProtocolVersion.description == "unacceptable protocol version")
    }

    // MARK: PUBLISH

    static let topics = [
        "a", "a/b", "/", "sport/tennis/player1", "$SYS/broker/load", "温度/センサー", "emoji/😀/ok", "a b/ c", "//",
    ]

    static let payloads: [ByteBuffer] = [
        ByteBuffer(), ByteBuffer(string: "hi"), ByteBuffer(bytes: [0, 0xFF, 0x80, 0x7F]),
        ByteBuffer(repeating: 0xAB, count: 300_000),
    ]

    static let publishes: [PublishPacket] = {
        var result: [PublishPacket] = []
        for (index, topic) in topics.enumerated() {
            for qos in [QoS.atMostOnce, .atLeastOnce, .exactlyOnce] {
                for retain in [false, true] {
                    for dup in qos == .atMostOnce ? [false] : [false, true] {
                        let payload = payloads[(index + Int(qos.rawValue)) % payloads.count]
                        let id: UInt16? = qos == .atMostOnce ? nil : (retain ? 65535 : 1)
                        result.append(
                            PublishPacket(
                                topic: topic, payload: payload, qos: qos, retain: retain, dup: dup, packetID: id))
                    }
                }
            }
        }
        return result
    }()

    @Test(arguments: publishes)
    func publish(_ publish: PublishPacket) throws {
        try Self.assertRoundTrip(.publish(publish))
    }

    @Test(arguments: payloads, [QoS.atMostOnce, .exactlyOnce])
    func publishPayloads(payload: ByteBuffer, qos: QoS) throws {
        let packet = PublishPacket(topic: "t", payload: payload, qos: qos, packetID: qos == .atMostOnce ? nil : 42)
        try Self.assertRoundTrip(.publish(packet))
    }

    @Test func publishPayloadIsASliceOfItsOwn() throws {
        // A payload that is itself a slice (reader index moved) encodes only its readable bytes.
        var payload = ByteBuffer(string: "xxhello")
        payload.moveReaderIndex(forwardBy: 2)
        var buffer = ByteBuffer()
        MQTTPacket.publish(PublishPacket(topic: "t", payload: payload)).encode(into: &buffer)
        let decoded = try MQTTPacket.decode(from: &buffer)
        guard case .publish(let publish) = decoded else {
            Issue.record("expected PUBLISH, got \(String(describing: decoded))")
            return
        }
        #expect(String(buffer: publish.payload) == "hello")
    }

    // MARK: Acknowledgements

    @Test(arguments: [UInt16(1), 2, 0x1234, 65535])
    func acknowledgements(id: UInt16) throws {
        for packet: MQTTPacket in [
            .puback(packetID: id), .pubrec(packetID: id), .pubrel(packetID: id), .pubcomp(packetID: id),
            .unsuback(packetID: id),
        ] {
            try Self.assertRoundTrip(packet)
        }
    }

    // MARK: SUBSCRIBE / SUBACK / UNSUBSCRIBE

    static let filterSets: [[String]] = [
        ["a"], ["#"], ["+"], ["sport/tennis/+", "sport/#", "$SYS/#"], ["+/+", "/", "a//b", "温度/#"],
        (0..<50).map { "filter/\($0)/+" },
    ]

    @Test(arguments: filterSets, [UInt16(1), 65535])
    func subscribe(filters: [String], id: UInt16) throws {
        let qoses: [QoS] = [.atMostOnce, .atLeastOnce, .exactlyOnce]
        let subscriptions = filters.enumerated().map { SubscribePacket.Subscription(filter: $1, qos: qoses[$0 % 3]) }
        try Self.assertRoundTrip(.subscribe(SubscribePacket(packetID: id, subscriptions: subscriptions)))
    }

    @Test(arguments: filterSets, [UInt16(1), 65535])
    func unsubscribe(filters: [String], id: UInt16) throws {
        try Self.assertRoundTrip(.unsubscribe(UnsubscribePacket(packetID: id, filters: filters)))
    }

    static let subAckCodeSets: [[SubAckPacket.ReturnCode]] = [
        [.granted(.atMostOnce)], [.granted(.atLeastOnce)], [.granted(.exactlyOnce)], [.failure],
        [.granted(.exactlyOnce), .failure, .granted(.atMostOnce), .granted(.atLeastOnce)],
        Array(repeating: .failure, count: 200),
    ]

    @Test(arguments: subAckCodeSets, [UInt16(1), 65535])
    func suback(codes: [SubAckPacket.ReturnCode], id: UInt16) throws {
        try Self.assertRoundTrip(.suback(SubAckPacket(packetID: id, returnCodes: codes)))
    }

    // MARK: Header-only packets

    @Test(arguments: [MQTTPacket.pingreq, .pingresp, .disconnect])
    func headerOnly(_ packet: MQTTPacket) throws {
        try Self.assertRoundTrip(packet)
        #expect(packet.encodedSize == 2)
    }

    @Test func packetTypes() {
        let expected: [(MQTTPacket, UInt8)] = [
            (.connect(ConnectPacket(clientID: "a")), 1), (.connack(ConnAckPacket(returnCode: .accepted)), 2),
            (.publish(PublishPacket(topic: "a", payload: ByteBuffer())), 3), (.puback(packetID: 1), 4),
            (.pubrec(packetID: 1), 5), (.pubrel(packetID: 1), 6), (.pubcomp(packetID: 1), 7),
            (.subscribe(SubscribePacket(packetID: 1, subscriptions: [.init(filter: "a", qos: .atMostOnce)])), 8),
            (.suback(SubAckPacket(packetID: 1, returnCodes: [.failure])), 9),
            (.unsubscribe(UnsubscribePacket(packetID: 1, filters: ["a"])), 10), (.unsuback(packetID: 1), 11),
            (.pingreq, 12), (.pingresp, 13), (.disconnect, 14),
        ]
        for (packet, raw) in expected {
            #expect(packet.type.rawValue == raw)
            #expect(bytes(of: packet).first.map { $0 >> 4 } == raw)
        }
    }
}
