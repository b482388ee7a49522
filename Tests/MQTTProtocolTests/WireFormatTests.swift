import MQTTProtocol
import NIOCore
import Testing

/// Byte vectors written by hand from the MQTT 3.1.1 specification, checked in both directions.
@Suite struct WireFormatTests {
    struct Vector: Sendable, CustomTestStringConvertible {
        var name: String
        var packet: MQTTPacket
        var hex: String
        var testDescription: String { name }
    }

    static let vectors: [Vector] = [
        Vector(name: "PINGREQ", packet: .pingreq, hex: "C0 00"),
        Vector(name: "PINGRESP", packet: .pingresp, hex: "D0 00"),
        Vector(name: "DISCONNECT", packet: .disconnect, hex: "E0 00"),
        Vector(
            name: "CONNECT a, clean, keep-alive 60",
            packet: .connect(ConnectPacket(clientID: "a", cleanSession: true, keepAlive: 60)),
            hex: "10 0D 00 04 4D 51 54 54 04 02 00 3C 00 01 61"
        ),
        Vector(
            name: "CONNECT MQTT 3.1 (MQIsdp)",
            packet: .connect(ConnectPacket(clientID: "a", cleanSession: false, keepAlive: 0, protocolLevel: 3)),
            hex: "10 0F 00 06 4D 51 49 73 64 70 03 00 00 00 00 01 61"
        ),
        Vector(
            // flags: user 0x80 | password 0x40 | will retain 0x20 | will QoS 1 0x08 | will 0x04 | clean 0x02
            name: "CONNECT with will, user name and password",
            packet: .connect(
                ConnectPacket(
                    clientID: "c",
                    keepAlive: 10,
                    will: .init(topic: "w", payload: ByteBuffer(string: "x"), qos: .atLeastOnce, retain: true),
                    username: "u",
                    password: Array("p".utf8)
                )
            ),
            hex: "10 19 00 04 4D 51 54 54 04 EE 00 0A 00 01 63 00 01 77 00 01 78 00 01 75 00 01 70"
        ),
        Vector(
            name: "CONNECT will QoS 2 without retain, no clean session, keep-alive 65535",
            packet: .connect(
                ConnectPacket(
                    clientID: "",
                    cleanSession: false,
                    keepAlive: 65535,
                    will: .init(topic: "w", payload: ByteBuffer(), qos: .exactlyOnce)
                )
            ),
            hex: "10 11 00 04 4D 51 54 54 04 14 FF FF 00 00 00 01 77 00 00"
        ),
        Vector(
            name: "CONNACK accepted, session present",
            packet: .connack(ConnAckPacket(sessionPresent: true, returnCode: .accepted)),
            hex: "20 02 01 00"
        ),
        Vector(
            name: "CONNACK not authorized",
            packet: .connack(ConnAckPacket(returnCode: .notAuthorized)),
            hex: "20 02 00 05"
        ),
        Vector(
            name: "PUBLISH QoS 1 a/b id 10 hi",
            packet: .publish(
                PublishPacket(topic: "a/b", payload: ByteBuffer(string: "hi"), qos: .atLeastOnce, packetID: 10)),
            hex: "32 09 00 03 61 2F 62 00 0A 68 69"
        ),
        Vector(
            name: "PUBLISH QoS 0 retain, empty payload",
            packet: .publish(PublishPacket(topic: "a", payload: ByteBuffer(), retain: true)),
            hex: "31 03 00 01 61"
        ),
        Vector(
            name: "PUBLISH QoS 2 dup retain",
            packet: .publish(
                PublishPacket(
                    topic: "a", payload: ByteBuffer(bytes: [0xFF]), qos: .exactlyOnce, retain: true, dup: true,
                    packetID: 0x0102)
            ),
            hex: "3D 06 00 01 61 01 02 FF"
        ),
        Vector(
            name: "PUBLISH UTF-8 topic",
            packet: .publish(PublishPacket(topic: "é", payload: ByteBuffer())),
            hex: "30 04 00 02 C3 A9"
        ),
        Vector(name: "PUBACK", packet: .puback(packetID: 1), hex: "40 02 00 01"),
        Vector(name: "PUBREC", packet: .pubrec(packetID: 0xFFFF), hex: "50 02 FF FF"),
        Vector(name: "PUBREL", packet: .pubrel(packetID: 0x1234), hex: "62 02 12 34"),
        Vector(name: "PUBCOMP", packet: .pubcomp(packetID: 7), hex: "70 02 00 07"),
        Vector(
            name: "SUBSCRIBE two filters",
            packet: .subscribe(
                SubscribePacket(
                    packetID: 1,
                    subscriptions: [.init(filter: "a/b", qos: .atLeastOnce), .init(filter: "#", qos: .exactlyOnce)])
            ),
            hex: "82 0C 00 01 00 03 61 2F 62 01 00 01 23 02"
        ),
        Vector(
            name: "SUBACK granted 0/1/2 and failure",
            packet: .suback(
                SubAckPacket(
                    packetID: 1,
                    returnCodes: [.granted(.atMostOnce), .granted(.atLeastOnce), .granted(.exactlyOnce), .failure])),
            hex: "90 06 00 01 00 01 02 80"
        ),
        Vector(
            name: "UNSUBSCRIBE",
            packet: .unsubscribe(UnsubscribePacket(packetID: 2, filters: ["a", "+/b"])),
            hex: "A2 0A 00 02 00 01 61 00 03 2B 2F 62"
        ),
        Vector(name: "UNSUBACK", packet: .unsuback(packetID: 2), hex: "B0 02 00 02"),
    ]

    @Test(arguments: vectors)
    func encodes(_ vector: Vector) {
        #expect(hex(bytes(of: vector.packet)) == vector.hex)
    }

    @Test(arguments: vectors)
    func decodes(_ vector: Vector) throws {
        var buffer = ByteBuffer(hex: vector.hex)
        let packet = try MQTTPacket.decode(from: &buffer)
        #expect(packet == vector.packet)
        #expect(buffer.readableBytes == 0)
    }

    // MARK: Remaining length (§2.2.3)

    static let lengthVectors: [(Int, String)] = [
        (0, "00"), (127, "7F"), (128, "80 01"), (16_383, "FF 7F"), (16_384, "80 80 01"), (2_097_151, "FF FF 7F"),
        (2_097_152, "80 80 80 01"), (268_435_455, "FF FF FF 7F"),
    ]

    @Test(arguments: lengthVectors)
    func independentEncoderAgreesWithTheSpecTable(length: Int, hexBytes: String) {
        #expect(hex(remainingLengthBytes(length)) == hexBytes)
    }

    /// The codec's encoder writes these lengths (a QoS 0 PUBLISH to "a" has remaining length 3 + payload).
    @Test(arguments: lengthVectors.filter { $0.0 >= 3 && $0.0 <= 2_097_152 })
    func encoderWritesRemainingLength(length: Int, hexBytes: String) throws {
        let packet = MQTTPacket.publish(
            PublishPacket(topic: "a", payload: ByteBuffer(repeating: 0x55, count: length - 3)))
        let encoded = bytes(of: packet)
        let lengthBytes = hexBytes.split(separator: " ").count
        #expect(encoded.count == 1 + lengthBytes + length)
        #expect(hex(Array(encoded[1...lengthBytes])) == hexBytes)
        #expect(Array(encoded[(1 + lengthBytes)...].prefix(3)) == [0x00, 0x01, 0x61])
        #expect(try decodeWhole(encoded) == packet)
    }

    @Test func encoderWritesZeroLength() {
        #expect(bytes(of: .disconnect) == [0xE0, 0x00])
    }

    /// The decoder reads every length of the table: a complete header with a missing body is incomplete (nil)
    /// below the limit, and its exact size is reported above the limit.
    @Test(arguments: lengthVectors)
    func decoderReadsRemainingLength(length: Int, hexBytes: String) throws {
        let header = [UInt8(0x30)] + Array(buffer: ByteBuffer(hex: hexBytes))
        let total = header.count + length
        var buffer = ByteBuffer(bytes: header)
        if length > 0 {
            #expect(try MQTTPacket.decode(from: &buffer, maxPacketSize: total) == nil)
            #expect(buffer.readerIndex == 0 && buffer.readableBytes == header.count)
        }
        let error = decodeError(header, maxPacketSize: total - 1)
        #expect(error?.code == .packetTooLarge)
        #expect(error?.message.contains("of \(total) bytes") == true, "\(String(describing: error))")
    }

    /// The decoder does not require the shortest encoding: 0x80 0x00 is a length of 0.
    @Test func nonMinimalLengthIsAccepted() throws {
        #expect(try decodeWhole([0xC0, 0x80, 0x00]) == .pingreq)
        #expect(try decodeWhole([0x40, 0x82, 0x80, 0x80, 0x00, 0x00, 0x05]) == .puback(packetID: 5))
    }

    @Test func defaultMaximumIsTheProtocolMaximum() throws {
        #expect(MQTTPacket.maximumRemainingLength == 268_435_455)
        var buffer = ByteBuffer(hex: "30 FF FF FF 7F")
        #expect(try MQTTPacket.decode(from: &buffer) == nil)
    }
}
