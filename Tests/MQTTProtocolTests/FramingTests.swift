import MQTTProtocol
import NIOCore
import Testing

/// Splitting the byte stream into packets: partial frames, coalesced frames, and the limits of the header.
@Suite struct FramingTests {
    static let samples: [MQTTPacket] = [
        .pingreq,
        .connect(
            ConnectPacket(
                clientID: "client", will: .init(topic: "w", payload: ByteBuffer(string: "gone")), username: "u",
                password: [1])),
        .publish(PublishPacket(topic: "a/b", payload: ByteBuffer(string: "hello"), qos: .atLeastOnce, packetID: 10)),
        // A 2-byte remaining length.
        .publish(PublishPacket(topic: "big", payload: ByteBuffer(repeating: 1, count: 200))),
        .subscribe(SubscribePacket(packetID: 3, subscriptions: [.init(filter: "a/#", qos: .exactlyOnce)])),
        .suback(SubAckPacket(packetID: 3, returnCodes: [.granted(.exactlyOnce)])),
        .pubrel(packetID: 9),
        .disconnect,
    ]

    @Test(arguments: samples)
    func oneByteAtATime(_ packet: MQTTPacket) throws {
        let encoded = bytes(of: packet)
        var buffer = ByteBuffer()
        // Leave some already-consumed bytes in front, as a channel's cumulation buffer would.
        buffer.writeBytes([0xEE, 0xEE])
        buffer.moveReaderIndex(forwardBy: 2)
        for (index, byte) in encoded.enumerated() {
            buffer.writeInteger(byte)
            let before = buffer
            let result = try MQTTPacket.decode(from: &buffer)
            if index < encoded.count - 1 {
                #expect(result == nil, "decoded after \(index + 1) of \(encoded.count) bytes")
                #expect(buffer.readerIndex == before.readerIndex)
                #expect(buffer == before)
            } else {
                #expect(result == packet)
                #expect(buffer.readableBytes == 0)
            }
        }
    }

    @Test func emptyBufferIsIncomplete() throws {
        var buffer = ByteBuffer()
        #expect(try MQTTPacket.decode(from: &buffer) == nil)
    }

    @Test func coalescedPacketsDecodeInOrder() throws {
        var buffer = ByteBuffer()
        for packet in Self.samples { packet.encode(into: &buffer) }
        for packet in Self.samples.reversed() { packet.encode(into: &buffer) }
        buffer.writeBytes([0x30, 0x05, 0x00])  // the start of one more packet
        var decoded: [MQTTPacket] = []
        while let packet = try MQTTPacket.decode(from: &buffer) { decoded.append(packet) }
        #expect(decoded == Self.samples + Self.samples.reversed())
        #expect(Array(buffer: buffer) == [0x30, 0x05, 0x00])
    }

    @Test func decodingStopsExactlyAtThePacketEnd() throws {
        var buffer = ByteBuffer(bytes: [0xC0, 0x00, 0xD0])
        #expect(try MQTTPacket.decode(from: &buffer) == .pingreq)
        #expect(Array(buffer: buffer) == [0xD0])
        #expect(try MQTTPacket.decode(from: &buffer) == nil)
        #expect(Array(buffer: buffer) == [0xD0])
    }

    @Test func fiveLengthBytesAreMalformed() {
        for input: [UInt8] in [
            [0x30, 0x80, 0x80, 0x80, 0x80, 0x01], [0x30, 0xFF, 0xFF, 0xFF, 0xFF], [0xC0, 0x80, 0x80, 0x80, 0x80, 0x00],
        ] {
            let error = decodeError(input)
            #expect(error?.code == .malformedRemainingLength, "\(hex(input))")
            #expect(error?.message.contains("4 bytes") == true)
        }
    }

    @Test func fourLengthBytesWaitForMore() throws {
        var buffer = ByteBuffer(bytes: [0x30, 0x80, 0x80, 0x80])
        #expect(try MQTTPacket.decode(from: &buffer) == nil)
        #expect(buffer.readableBytes == 4)
    }

    @Test func oversizedPacketIsRefusedBeforeItsBodyArrives() throws {
        // Header only: PUBLISH announcing 10,000 bytes; limit 1,000.
        let header: [UInt8] = [0x30] + remainingLengthBytes(10_000)
        let error = decodeError(header, maxPacketSize: 1_000)
        #expect(error?.code == .packetTooLarge)
        #expect(error?.message.contains("exceeds the maximum packet size of 1000 bytes") == true)
        #expect(error?.description.contains("packetTooLarge") == true)

        // While the header itself is incomplete there is nothing to refuse yet.
        var partial = ByteBuffer(bytes: [0x30, 0x90])
        #expect(try MQTTPacket.decode(from: &partial, maxPacketSize: 10) == nil)
    }

    @Test func maximumPacketSizeCountsTheFixedHeader() throws {
        let packet = MQTTPacket.publish(PublishPacket(topic: "t", payload: ByteBuffer(repeating: 0, count: 200)))
        let encoded = bytes(of: packet)  // 1 + 2 + 203
        #expect(encoded.count == 206)
        #expect(try decodeWhole(encoded, maxPacketSize: 206) == packet)
        #expect(decodeError(encoded, maxPacketSize: 205)?.code == .packetTooLarge)
        #expect(decodeError(Array(encoded.prefix(3)), maxPacketSize: 205)?.code == .packetTooLarge)
    }

    @Test func errorsInTheBodyWaitForTheWholeBody() throws {
        // A PUBACK with packet id 0 is only known to be bad once both bytes are there.
        var buffer = ByteBuffer(bytes: [0x40, 0x02, 0x00])
        #expect(try MQTTPacket.decode(from: &buffer) == nil)
        buffer.writeInteger(UInt8(0))
        #expect(decodeError(Array(buffer: buffer))?.code == .invalidPacketIdentifier)
    }

    @Test func reservedTypeIsRefusedFromTheFirstByte() {
        #expect(decodeError([0x00])?.code == .invalidPacketType)
        #expect(decodeError([0xF0])?.code == .invalidPacketType)
    }
}
