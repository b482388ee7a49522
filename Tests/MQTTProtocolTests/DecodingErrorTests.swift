import MQTTProtocol
import NIOCore
import Testing

/// Crafted inputs that break one rule each; the error code and message must name that rule.
@Suite struct DecodingErrorTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var bytes: [UInt8]
        var code: MQTTProtocolError.Code
        var message: String
        var maxPacketSize = MQTTPacket.maximumRemainingLength + 5
        var testDescription: String { name }
    }

    static let connectHeader: [UInt8] = mqttString("MQTT") + [0x04]
    static func connect(flags: UInt8, _ rest: [UInt8] = mqttString("c")) -> [UInt8] {
        frame(0x10, connectHeader + [flags, 0x00, 0x3C] + rest)
    }
    static func publish(topic: [UInt8], flags: UInt8 = 0, rest: [UInt8] = []) -> [UInt8] {
        frame(0x30 | flags, mqttBinary(topic) + rest)
    }
    static func subscribe(_ filter: String, qos: UInt8 = 0) -> [UInt8] {
        frame(0x82, [0x00, 0x01] + mqttString(filter) + [qos])
    }

    static let cases: [Case] = [
        // Fixed header.
        Case(
            name: "5-byte remaining length", bytes: [0x30, 0x80, 0x80, 0x80, 0x80, 0x01],
            code: .malformedRemainingLength, message: "longer than 4 bytes"),
        Case(
            name: "too large", bytes: [0x30, 0x7F], code: .packetTooLarge,
            message: "publish packet of 129 bytes exceeds the maximum packet size of 128", maxPacketSize: 128),
        Case(name: "type 0", bytes: [0x00, 0x00], code: .invalidPacketType, message: "packet type 0 is reserved"),
        Case(name: "type 15", bytes: [0xF0, 0x00], code: .invalidPacketType, message: "packet type 15 is reserved"),
        Case(
            name: "SUBSCRIBE flags 0", bytes: [0x80] + Array(subscribe("a").dropFirst()),
            code: .invalidFixedHeaderFlags, message: "subscribe fixed-header flags must be 2, got 0"),
        Case(
            name: "UNSUBSCRIBE flags 0", bytes: frame(0xA0, [0x00, 0x01] + mqttString("a")),
            code: .invalidFixedHeaderFlags, message: "unsubscribe fixed-header flags must be 2, got 0"),
        Case(
            name: "PUBREL flags 0", bytes: [0x60, 0x02, 0x00, 0x01], code: .invalidFixedHeaderFlags,
            message: "pubrel fixed-header flags must be 2, got 0"),
        Case(
            name: "PINGREQ flags 1", bytes: [0xC1, 0x00], code: .invalidFixedHeaderFlags,
            message: "pingreq fixed-header flags must be 0, got 1"),
        Case(
            name: "CONNECT flags 2", bytes: [0x12] + Array(connect(flags: 0x02).dropFirst()),
            code: .invalidFixedHeaderFlags, message: "connect fixed-header flags must be 0, got 2"),
        Case(
            name: "PUBACK flags 2", bytes: [0x42, 0x02, 0x00, 0x01], code: .invalidFixedHeaderFlags,
            message: "puback fixed-header flags must be 0, got 2"),
        Case(
            name: "DUP on QoS 0", bytes: publish(topic: Array("a".utf8), flags: 0x08), code: .invalidFixedHeaderFlags,
            message: "DUP set on a QoS 0 PUBLISH"),
        // Lengths that end inside a field.
        Case(
            name: "PUBACK with 1 byte", bytes: [0x40, 0x01, 0x00], code: .truncatedPacket,
            message: "puback packet ends inside its packet identifier"),
        Case(name: "PUBACK with 0 bytes", bytes: [0x40, 0x00], code: .truncatedPacket, message: "packet identifier"),
        Case(
            name: "CONNECT without body", bytes: [0x10, 0x00], code: .truncatedPacket,
            message: "connect packet ends inside its protocol name"),
        Case(
            name: "CONNECT name cut", bytes: frame(0x10, [0x00, 0x04, 0x4D, 0x51]), code: .truncatedPacket,
            message: "protocol name"),
        Case(
            name: "CONNECT no level", bytes: frame(0x10, mqttString("MQTT")), code: .truncatedPacket,
            message: "protocol level"),
        Case(
            name: "CONNECT no flags", bytes: frame(0x10, connectHeader), code: .truncatedPacket,
            message: "connect flags"),
        Case(
            name: "CONNECT keep-alive cut", bytes: frame(0x10, connectHeader + [0x02, 0x00]), code: .truncatedPacket,
            message: "keep alive"),
        Case(
            name: "CONNECT no client id", bytes: connect(flags: 0x02, []), code: .truncatedPacket,
            message: "client identifier"),
        Case(
            name: "CONNECT will topic missing", bytes: connect(flags: 0x06), code: .truncatedPacket,
            message: "will topic"),
        Case(
            name: "CONNECT will message missing", bytes: connect(flags: 0x06, mqttString("c") + mqttString("w")),
            code: .truncatedPacket, message: "will message"),
        Case(
            name: "CONNECT will message cut",
            bytes: connect(flags: 0x06, mqttString("c") + mqttString("w") + [0x00, 0x05, 0x01]), code: .truncatedPacket,
            message: "will message"),
        Case(
            name: "CONNECT user name missing", bytes: connect(flags: 0x82), code: .truncatedPacket, message: "user name"
        ),
        Case(
            name: "CONNECT password missing", bytes: connect(flags: 0xC2, mqttString("c") + mqttString("u")),
            code: .truncatedPacket, message: "password"),
        Case(
            name: "CONNACK with 1 byte", bytes: [0x20, 0x01, 0x00], code: .truncatedPacket,
            message: "connect return code"),
        Case(
            name: "PUBLISH topic cut", bytes: frame(0x30, [0x00, 0x05, 0x61]), code: .truncatedPacket,
            message: "topic name"),
        Case(
            name: "PUBLISH QoS 1 without id", bytes: publish(topic: Array("a".utf8), flags: 0x02),
            code: .truncatedPacket, message: "packet identifier"),
        Case(
            name: "SUBSCRIBE without requested QoS", bytes: frame(0x82, [0x00, 0x01] + mqttString("a")),
            code: .truncatedPacket, message: "requested QoS"),
        Case(
            name: "SUBSCRIBE filter cut", bytes: frame(0x82, [0x00, 0x01, 0x00, 0x03, 0x61]), code: .truncatedPacket,
            message: "topic filter"),
        Case(
            name: "SUBACK without id", bytes: [0x90, 0x01, 0x00], code: .truncatedPacket,
            message: "suback packet ends inside its packet identifier"),
        // Bytes after the last field.
        Case(
            name: "PINGREQ with a length", bytes: [0xC0, 0x01, 0x00], code: .trailingBytes,
            message: "pingreq packet has 1 unexpected trailing bytes"),
        Case(
            name: "DISCONNECT with a length", bytes: [0xE0, 0x02, 0x00, 0x00], code: .trailingBytes,
            message: "disconnect packet has 2"),
        Case(
            name: "PUBACK with 3 bytes", bytes: [0x40, 0x03, 0x00, 0x01, 0x00], code: .trailingBytes,
            message: "puback packet has 1 unexpected trailing bytes"),
        Case(
            name: "CONNACK with 3 bytes", bytes: [0x20, 0x03, 0x00, 0x00, 0x00], code: .trailingBytes,
            message: "connack"),
        Case(
            name: "CONNECT with extra byte", bytes: connect(flags: 0x02, mqttString("c") + [0x00]),
            code: .trailingBytes, message: "connect packet has 1"),
        // UTF-8 (§1.5.3).
        Case(
            name: "topic C3 28", bytes: publish(topic: [0xC3, 0x28]), code: .invalidUTF8,
            message: "topic name is not well-formed UTF-8"),
        Case(
            name: "topic overlong /", bytes: publish(topic: [0xC0, 0xAF]), code: .invalidUTF8,
            message: "not well-formed UTF-8"),
        Case(
            name: "topic overlong 3-byte", bytes: publish(topic: [0xE0, 0x80, 0xAF]), code: .invalidUTF8,
            message: "not well-formed UTF-8"),
        Case(
            name: "topic surrogate", bytes: publish(topic: [0xED, 0xA0, 0x80]), code: .invalidUTF8,
            message: "not well-formed UTF-8"),
        Case(
            name: "topic above U+10FFFF", bytes: publish(topic: [0xF4, 0x90, 0x80, 0x80]), code: .invalidUTF8,
            message: "not well-formed UTF-8"),
        Case(
            name: "topic lone continuation", bytes: publish(topic: [0x61, 0x80]), code: .invalidUTF8,
            message: "not well-formed UTF-8"),
        Case(
            name: "topic U+0000", bytes: publish(topic: [0x61, 0x00, 0x62]), code: .invalidUTF8,
            message: "topic name contains U+0000"),
        Case(
            name: "client id U+0000", bytes: connect(flags: 0x02, mqttBinary([0x00])), code: .invalidUTF8,
            message: "client identifier contains U+0000"),
        Case(
            name: "client id invalid", bytes: connect(flags: 0x02, mqttBinary([0xFF])), code: .invalidUTF8,
            message: "client identifier is not well-formed"),
        Case(
            name: "user name invalid", bytes: connect(flags: 0x82, mqttString("c") + mqttBinary([0xC3])),
            code: .invalidUTF8, message: "user name"),
        Case(
            name: "filter U+0000", bytes: frame(0x82, [0x00, 0x01] + mqttBinary([0x61, 0x00]) + [0x00]),
            code: .invalidUTF8, message: "topic filter contains U+0000"),
        Case(
            name: "protocol name invalid", bytes: frame(0x10, mqttBinary([0xFE, 0xFF]) + [0x04]), code: .invalidUTF8,
            message: "protocol name"),
        // CONNECT (§3.1).
        Case(
            name: "protocol name MQTX",
            bytes: frame(0x10, mqttString("MQTX") + [0x04, 0x02, 0x00, 0x3C] + mqttString("c")),
            code: .invalidProtocolName, message: "protocol name \"MQTX\" is not MQTT"),
        Case(
            name: "protocol name lowercase", bytes: frame(0x10, mqttString("mqtt") + [0x04]),
            code: .invalidProtocolName, message: "\"mqtt\""),
        Case(
            name: "protocol name empty", bytes: frame(0x10, mqttString("") + [0x04]), code: .invalidProtocolName,
            message: "is not MQTT"),
        Case(
            name: "MQIsdp level 4",
            bytes: frame(0x10, mqttString("MQIsdp") + [0x04, 0x02, 0x00, 0x3C] + mqttString("c")),
            code: .invalidProtocolName, message: "\"MQIsdp\" does not go with protocol level 4"),
        Case(
            name: "MQTT level 3", bytes: frame(0x10, mqttString("MQTT") + [0x03, 0x02, 0x00, 0x3C] + mqttString("c")),
            code: .invalidProtocolName, message: "\"MQTT\" does not go with protocol level 3"),
        Case(
            name: "reserved connect flag", bytes: connect(flags: 0x03), code: .invalidConnectFlags,
            message: "reserved connect flag"),
        Case(
            name: "will QoS without will", bytes: connect(flags: 0x0A), code: .invalidConnectFlags,
            message: "will QoS or will retain set without a will"),
        Case(
            name: "will retain without will", bytes: connect(flags: 0x22), code: .invalidConnectFlags,
            message: "without a will"),
        Case(
            name: "will QoS 3 without will", bytes: connect(flags: 0x1A), code: .invalidConnectFlags,
            message: "without a will"),
        Case(
            name: "password without user name", bytes: connect(flags: 0x42, mqttString("c") + mqttBinary([1])),
            code: .invalidConnectFlags, message: "password without a user name"),
        Case(
            name: "CONNACK reserved flags", bytes: [0x20, 0x02, 0x02, 0x00], code: .invalidConnectFlags,
            message: "reserved CONNACK flags"),
        // QoS.
        Case(
            name: "PUBLISH QoS 3", bytes: publish(topic: Array("a".utf8), flags: 0x06, rest: [0x00, 0x01]),
            code: .invalidQoS, message: "PUBLISH with QoS 3"),
        Case(
            name: "will QoS 3", bytes: connect(flags: 0x1E, mqttString("c") + mqttString("w") + mqttBinary([])),
            code: .invalidQoS, message: "will QoS 3"),
        Case(
            name: "requested QoS 3", bytes: subscribe("a", qos: 3), code: .invalidQoS,
            message: "requested QoS byte 3 for \"a\" is invalid"),
        Case(
            name: "requested QoS upper bits", bytes: subscribe("a", qos: 0x41), code: .invalidQoS,
            message: "requested QoS byte 65"),
        Case(
            name: "requested QoS 0x80", bytes: subscribe("a", qos: 0x80), code: .invalidQoS,
            message: "requested QoS byte 128"),
        // Topic names (§4.7).
        Case(
            name: "publish to +", bytes: publish(topic: Array("a/+".utf8)), code: .invalidTopicName,
            message: "topic name \"a/+\" contains a wildcard"),
        Case(
            name: "publish to #", bytes: publish(topic: Array("a/#".utf8)), code: .invalidTopicName,
            message: "contains a wildcard"),
        Case(
            name: "publish to empty topic", bytes: publish(topic: []), code: .invalidTopicName,
            message: "topic name is empty"),
        Case(
            name: "will topic with wildcard",
            bytes: connect(flags: 0x06, mqttString("c") + mqttString("w/#") + mqttBinary([])), code: .invalidTopicName,
            message: "contains a wildcard"),
        Case(
            name: "empty will topic", bytes: connect(flags: 0x06, mqttString("c") + mqttString("") + mqttBinary([])),
            code: .invalidTopicName, message: "topic name is empty"),
        // Topic filters.
        Case(
            name: "filter a/#/b", bytes: subscribe("a/#/b"), code: .invalidTopicFilter,
            message: "\"#\" must be the whole last level in \"a/#/b\""),
        Case(
            name: "filter #a", bytes: subscribe("#a"), code: .invalidTopicFilter,
            message: "\"#\" must be the whole last level"),
        Case(
            name: "filter a#", bytes: subscribe("a#"), code: .invalidTopicFilter,
            message: "\"#\" must be the whole last level"),
        Case(
            name: "filter a+", bytes: subscribe("a+"), code: .invalidTopicFilter,
            message: "\"+\" must be a whole level in \"a+\""),
        Case(
            name: "filter +a/b", bytes: subscribe("+a/b"), code: .invalidTopicFilter,
            message: "\"+\" must be a whole level"),
        Case(name: "empty filter", bytes: subscribe(""), code: .invalidTopicFilter, message: "topic filter is empty"),
        Case(
            name: "UNSUBSCRIBE a/#/b", bytes: frame(0xA2, [0x00, 0x01] + mqttString("a/#/b")),
            code: .invalidTopicFilter, message: "\"#\" must be the whole last level"),
        Case(
            name: "UNSUBSCRIBE empty filter", bytes: frame(0xA2, [0x00, 0x01] + mqttString("")),
            code: .invalidTopicFilter, message: "topic filter is empty"),
        Case(
            name: "second filter invalid",
            bytes: frame(0x82, [0x00, 0x01] + mqttString("a") + [0x00] + mqttString("b+") + [0x00]),
            code: .invalidTopicFilter, message: "\"b+\""),
        // Empty subscriptions (§3.8.3, §3.10.3).
        Case(
            name: "SUBSCRIBE without filters", bytes: [0x82, 0x02, 0x00, 0x01], code: .emptySubscription,
            message: "SUBSCRIBE carries no topic filter"),
        Case(
            name: "UNSUBSCRIBE without filters", bytes: [0xA2, 0x02, 0x00, 0x01], code: .emptySubscription,
            message: "UNSUBSCRIBE carries no topic filter"),
        // Packet identifier 0 (§2.3.1).
        Case(
            name: "PUBACK id 0", bytes: [0x40, 0x02, 0x00, 0x00], code: .invalidPacketIdentifier,
            message: "puback packet identifier is 0"),
        Case(
            name: "PUBREC id 0", bytes: [0x50, 0x02, 0x00, 0x00], code: .invalidPacketIdentifier,
            message: "pubrec packet identifier is 0"),
        Case(
            name: "PUBREL id 0", bytes: [0x62, 0x02, 0x00, 0x00], code: .invalidPacketIdentifier,
            message: "pubrel packet identifier is 0"),
        Case(
            name: "PUBCOMP id 0", bytes: [0x70, 0x02, 0x00, 0x00], code: .invalidPacketIdentifier,
            message: "pubcomp packet identifier is 0"),
        Case(
            name: "UNSUBACK id 0", bytes: [0xB0, 0x02, 0x00, 0x00], code: .invalidPacketIdentifier,
            message: "unsuback packet identifier is 0"),
        Case(
            name: "PUBLISH QoS 1 id 0", bytes: publish(topic: Array("a".utf8), flags: 0x02, rest: [0x00, 0x00]),
            code: .invalidPacketIdentifier, message: "publish packet identifier is 0"),
        Case(
            name: "PUBLISH QoS 2 id 0", bytes: publish(topic: Array("a".utf8), flags: 0x04, rest: [0x00, 0x00, 0x01]),
            code: .invalidPacketIdentifier, message: "identifier is 0"),
        Case(
            name: "SUBSCRIBE id 0", bytes: frame(0x82, [0x00, 0x00] + mqttString("a") + [0x00]),
            code: .invalidPacketIdentifier, message: "subscribe packet identifier is 0"),
        Case(
            name: "SUBACK id 0", bytes: [0x90, 0x03, 0x00, 0x00, 0x00], code: .invalidPacketIdentifier,
            message: "suback packet identifier is 0"),
        Case(
            name: "UNSUBSCRIBE id 0", bytes: frame(0xA2, [0x00, 0x00] + mqttString("a")),
            code: .invalidPacketIdentifier, message: "unsubscribe packet identifier is 0"),
        // Return codes.
        Case(
            name: "SUBACK code 3", bytes: [0x90, 0x03, 0x00, 0x01, 0x03], code: .invalidReturnCode,
            message: "SUBACK return code 3 is reserved"),
        Case(
            name: "SUBACK code 0x81", bytes: [0x90, 0x04, 0x00, 0x01, 0x00, 0x81], code: .invalidReturnCode,
            message: "SUBACK return code 129"),
        Case(
            name: "CONNACK code 6", bytes: [0x20, 0x02, 0x00, 0x06], code: .invalidReturnCode,
            message: "connect return code 6 is reserved"),
        Case(
            name: "CONNACK code 255", bytes: [0x20, 0x02, 0x01, 0xFF], code: .invalidReturnCode,
            message: "connect return code 255"),
    ]

    @Test(arguments: cases)
    func rejects(_ testCase: Case) {
        let error = decodeError(testCase.bytes, maxPacketSize: testCase.maxPacketSize)
        #expect(error?.code == testCase.code, "\(hex(testCase.bytes)) → \(String(describing: error))")
        #expect(error?.message.contains(testCase.message) == true, "message was: \(error?.message ?? "no error")")
        #expect(error?.description == "MQTT protocol error (\(testCase.code.rawValue)): \(error?.message ?? "")")
    }

    /// Every code is reached by at least one case above.
    @Test func everyCodeIsCovered() {
        let all: Set<MQTTProtocolError.Code> = [
            .malformedRemainingLength, .packetTooLarge, .invalidPacketType, .invalidFixedHeaderFlags, .truncatedPacket,
            .trailingBytes, .invalidUTF8, .invalidProtocolName, .invalidConnectFlags, .invalidQoS, .invalidTopicName,
            .invalidTopicFilter, .emptySubscription, .invalidPacketIdentifier, .invalidReturnCode,
        ]
        #expect(Set(Self.cases.map(\.code)) == all)
    }

    /// A throwing decode still consumed the bad frame's bytes or none, but never crashes; the same input always
    /// gives the same error.
    @Test(arguments: cases)
    func errorsAreDeterministic(_ testCase: Case) {
        #expect(
            decodeError(testCase.bytes, maxPacketSize: testCase.maxPacketSize)
                == decodeError(testCase.bytes, maxPacketSize: testCase.maxPacketSize))
    }

    // MARK: Inputs near the rules that must be accepted

    static func level(_ level: UInt8, name: String = "MQTT", rest: [UInt8] = []) -> [UInt8] {
        frame(0x10, mqttString(name) + [level] + rest)
    }

    /// §3.1.2.2: an unsupported level under a known name decodes far enough for the server to answer CONNACK 1.
    /// The first case is a real MQTT 5 CONNECT (flags, keep-alive, properties length 0, client id).
    @Test(
        arguments: [
            (level(5, rest: [0x02, 0x00, 0x3C, 0x00] + mqttString("c")), UInt8(5)),
            (level(5), 5), (level(6, rest: [0xFF, 0xFF]), 6), (level(255), 255), (level(0), 0), (level(2), 2),
            (level(5, name: "MQIsdp"), 5),
        ] as [([UInt8], UInt8)])
    func unsupportedLevelDecodes(bytes: [UInt8], level: UInt8) throws {
        let packet = try decodeWhole(bytes)
        guard case .connect(let connect) = packet else {
            Issue.record("expected CONNECT, got \(String(describing: packet))")
            return
        }
        #expect(connect.protocolLevel == level)
    }

    @Test func topicNameMayContainMultiByteAndSpecialCharacters() throws {
        let topic = "a/$b/ /é/😀/\u{7F}"
        let packet = try decodeWhole(Self.publish(topic: Array(topic.utf8)))
        #expect(packet == .publish(PublishPacket(topic: topic, payload: ByteBuffer())))
    }

    @Test func subackWithoutCodesDecodes() throws {
        #expect(try decodeWhole([0x90, 0x02, 0x00, 0x01]) == .suback(SubAckPacket(packetID: 1, returnCodes: [])))
    }

    @Test func willRetainWithWillAndPasswordOnMQTT31() throws {
        let bytes = frame(
            0x10,
            mqttString("MQIsdp") + [0x03, 0x64, 0x00, 0x00] + mqttString("c") + mqttString("w") + mqttBinary([9])
                + mqttBinary([7]))
        let expected = ConnectPacket(
            clientID: "c",
            cleanSession: false,
            keepAlive: 0,
            will: .init(topic: "w", payload: ByteBuffer(bytes: [9]), qos: .atMostOnce, retain: true),
            password: [7],
            protocolLevel: 3
        )
        #expect(try decodeWhole(bytes) == .connect(expected))
    }
}
