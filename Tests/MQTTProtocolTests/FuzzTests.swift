import MQTTProtocol
import NIOCore
import Testing

/// Property tests over random and mutated byte streams. Everything is driven by `SplitMix64` from fixed seeds, so
/// a failure names its seed and case and reproduces exactly. The properties:
/// - decoding never crashes and a decode loop always ends (each call consumes bytes, returns nil, or throws);
/// - `nil` leaves the buffer untouched;
/// - every decoded packet satisfies the protocol's invariants and re-encodes to bytes that decode to an equal packet;
/// - feeding the stream in random chunks (as a network does) yields the same packets and error as one buffer.
@Suite struct FuzzTests {
    static let maxPacketSizes = [MQTTPacket.maximumRemainingLength + 5, 1_024, 64]

    struct Outcome: Equatable {
        var packets: [MQTTPacket] = []
        var error: MQTTProtocolError?
    }

    // MARK: Properties

    /// Decodes packets from the front of `buffer` until it returns nil or throws, checking each call.
    static func drain(
        _ buffer: inout ByteBuffer, maxPacketSize: Int, into outcome: inout Outcome, context: @autoclosure () -> String
    ) -> Bool {
        // Every packet is at least 2 bytes, so more iterations than this means a call did not make progress.
        let cap = buffer.readableBytes / 2 + 2
        for _ in 0..<cap {
            let before = buffer
            let packet: MQTTPacket?
            do {
                packet = try MQTTPacket.decode(from: &buffer, maxPacketSize: maxPacketSize)
            } catch {
                outcome.error = error
                return false
            }
            guard let packet else {
                if buffer != before || buffer.readerIndex != before.readerIndex
                    || buffer.writerIndex != before.writerIndex
                {
                    Issue.record("decode returned nil but changed the buffer; \(context())")
                }
                return true
            }
            let consumed = buffer.readerIndex - before.readerIndex
            if consumed < 2 || buffer.writerIndex != before.writerIndex {
                Issue.record("decode returned \(packet) after consuming \(consumed) bytes; \(context())")
                return false
            }
            checkInvariants(packet, context: context())
            checkReencodes(packet, context: context())
            outcome.packets.append(packet)
        }
        Issue.record("decode loop hit its iteration cap of \(cap); \(context())")
        return false
    }

    static func decodeOneShot(_ bytes: [UInt8], maxPacketSize: Int, context: @autoclosure () -> String) -> Outcome {
        var buffer = ByteBuffer(bytes: bytes)
        var outcome = Outcome()
        _ = drain(&buffer, maxPacketSize: maxPacketSize, into: &outcome, context: context())
        return outcome
    }

    /// Feeds `bytes` in random chunks into one accumulating buffer, decoding after every chunk.
    static func decodeChunked(
        _ bytes: [UInt8], maxPacketSize: Int, rng: inout SplitMix64, context: @autoclosure () -> String
    ) -> Outcome {
        var buffer = ByteBuffer()
        var outcome = Outcome()
        var offset = 0
        let small = rng.bool()
        while offset < bytes.count {
            let length = min(bytes.count - offset, small ? rng.int(1...3) : rng.int(1...max(1, bytes.count / 2)))
            buffer.writeBytes(bytes[offset..<(offset + length)])
            offset += length
            guard drain(&buffer, maxPacketSize: maxPacketSize, into: &outcome, context: context()) else { break }
            if rng.int(0...3) == 0 { buffer.discardReadBytes() }
        }
        return outcome
    }

    static func checkReencodes(_ packet: MQTTPacket, context: @autoclosure () -> String) {
        var encoded = ByteBuffer()
        packet.encode(into: &encoded)
        let size = encoded.readableBytes
        if packet.encodedSize != size { Issue.record("encodedSize \(packet.encodedSize) != \(size); \(context())") }
        do {
            let again = try MQTTPacket.decode(from: &encoded)
            if again != packet || encoded.readableBytes != 0 {
                Issue.record(
                    "\(packet) re-decoded as \(String(describing: again)), \(encoded.readableBytes) bytes left; \(context())"
                )
            }
        } catch {
            Issue.record("\(packet) re-encoded to bytes that do not decode: \(error); \(context())")
        }
    }

    /// What every decoded packet must satisfy, whatever bytes it came from.
    static func checkInvariants(_ packet: MQTTPacket, context: @autoclosure () -> String) {
        func fail(_ what: String) { Issue.record("decoded \(packet) but \(what); \(context())") }
        switch packet {
        case .publish(let publish):
            if (try? TopicName.validate(publish.topic)) == nil { fail("its topic is invalid") }
            if (publish.qos == .atMostOnce) != (publish.packetID == nil) { fail("QoS and packet id disagree") }
            if publish.packetID == 0 { fail("packet id is 0") }
            if publish.qos == .atMostOnce && publish.dup { fail("DUP on QoS 0") }
        case .connect(let connect):
            if connect.protocolLevel == 3 || connect.protocolLevel == 4 {
                if let will = connect.will, (try? TopicName.validate(will.topic)) == nil {
                    fail("will topic is invalid")
                }
                if connect.protocolLevel == 4 && connect.password != nil && connect.username == nil {
                    fail("password without user name")
                }
            }
        case .subscribe(let subscribe):
            if subscribe.packetID == 0 || subscribe.subscriptions.isEmpty { fail("it is empty or has id 0") }
            if subscribe.subscriptions.contains(where: { (try? TopicFilter.validate($0.filter)) == nil }) {
                fail("a filter is invalid")
            }
        case .unsubscribe(let unsubscribe):
            if unsubscribe.packetID == 0 || unsubscribe.filters.isEmpty { fail("it is empty or has id 0") }
            if unsubscribe.filters.contains(where: { (try? TopicFilter.validate($0)) == nil }) {
                fail("a filter is invalid")
            }
        case .suback(let ack):
            if ack.packetID == 0 { fail("packet id is 0") }
        case .puback(let id), .pubrec(let id), .pubrel(let id), .pubcomp(let id), .unsuback(let id):
            if id == 0 { fail("packet id is 0") }
        case .connack, .pingreq, .pingresp, .disconnect:
            break
        }
    }

    /// Runs all properties on one stream.
    static func check(_ bytes: [UInt8], rng: inout SplitMix64, context: String) -> Outcome {
        let maxPacketSize = rng.element(maxPacketSizes)
        let fullContext =
            "\(context), maxPacketSize \(maxPacketSize), input \(hex(Array(bytes.prefix(256))))\(bytes.count > 256 ? " …(\(bytes.count) bytes)" : "")"
        let whole = decodeOneShot(bytes, maxPacketSize: maxPacketSize, context: fullContext)
        let chunked = decodeChunked(bytes, maxPacketSize: maxPacketSize, rng: &rng, context: fullContext + ", chunked")
        if chunked != whole {
            Issue.record("chunked decode gave \(chunked), one buffer gave \(whole); \(fullContext)")
        }
        return whole
    }

    // MARK: Generators

    static func randomString(
        _ rng: inout SplitMix64, alphabet: [String] = ["a", "b", "/", "é", "😀", " ", "$", "x"], maxLength: Int = 6
    ) -> String {
        (0..<rng.int(0...maxLength)).map { _ in rng.element(alphabet) }.joined()
    }

    static func randomTopic(_ rng: inout SplitMix64) -> String {
        let topic = randomString(&rng)
        return topic.isEmpty ? "t" : topic
    }

    static func randomFilter(_ rng: inout SplitMix64) -> String {
        var levels = (0..<rng.int(1...4)).map { _ in
            rng.int(0...3) == 0 ? "+" : randomString(&rng, alphabet: ["a", "b", "é", "$"], maxLength: 3)
        }
        if rng.int(0...2) == 0 { levels.append("#") }
        let filter = levels.joined(separator: "/")
        return filter.isEmpty ? "#" : filter
    }

    static func randomID(_ rng: inout SplitMix64) -> UInt16 { UInt16(rng.int(1...65535)) }

    static func randomQoS(_ rng: inout SplitMix64) -> QoS { QoS(rawValue: UInt8(rng.int(0...2)))! }

    static func randomPayload(_ rng: inout SplitMix64) -> ByteBuffer {
        ByteBuffer(bytes: rng.bytes(rng.int(0...(rng.int(0...9) == 0 ? 300 : 12))))
    }

    static func randomPacket(_ rng: inout SplitMix64) -> MQTTPacket {
        switch rng.int(1...14) {
        case 1:
            let level: UInt8 = rng.bool() ? 4 : 3
            let username: String? = rng.bool() ? randomString(&rng) : nil
            let password: [UInt8]? = (username != nil || level == 3) && rng.bool() ? rng.bytes(rng.int(0...5)) : nil
            let will: ConnectPacket.Will? =
                rng.bool()
                ? .init(
                    topic: randomTopic(&rng), payload: randomPayload(&rng), qos: randomQoS(&rng), retain: rng.bool())
                : nil
            return .connect(
                ConnectPacket(
                    clientID: randomString(&rng),
                    cleanSession: rng.bool(),
                    keepAlive: UInt16(truncatingIfNeeded: rng.next()),
                    will: will,
                    username: username,
                    password: password,
                    protocolLevel: level
                )
            )
        case 2:
            return .connack(
                ConnAckPacket(
                    sessionPresent: rng.bool(), returnCode: ConnectReturnCode(rawValue: UInt8(rng.int(0...5)))!))
        case 3:
            let qos = randomQoS(&rng)
            return .publish(
                PublishPacket(
                    topic: randomTopic(&rng),
                    payload: randomPayload(&rng),
                    qos: qos,
                    retain: rng.bool(),
                    dup: qos != .atMostOnce && rng.bool(),
                    packetID: qos == .atMostOnce ? nil : randomID(&rng)
                )
            )
        case 4: return .puback(packetID: randomID(&rng))
        case 5: return .pubrec(packetID: randomID(&rng))
        case 6: return .pubrel(packetID: randomID(&rng))
        case 7: return .pubcomp(packetID: randomID(&rng))
        case 8:
            let subscriptions = (0..<rng.int(1...4)).map { _ in
                SubscribePacket.Subscription(filter: randomFilter(&rng), qos: randomQoS(&rng))
            }
            return .subscribe(SubscribePacket(packetID: randomID(&rng), subscriptions: subscriptions))
        case 9:
            let codes: [SubAckPacket.ReturnCode] = (0..<rng.int(0...5)).map { _ in
                rng.int(0...3) == 3 ? .failure : .granted(randomQoS(&rng))
            }
            return .suback(SubAckPacket(packetID: randomID(&rng), returnCodes: codes))
        case 10:
            return .unsubscribe(
                UnsubscribePacket(
                    packetID: randomID(&rng), filters: (0..<rng.int(1...4)).map { _ in randomFilter(&rng) }))
        case 11: return .unsuback(packetID: randomID(&rng))
        case 12: return .pingreq
        case 13: return .pingresp
        default: return .disconnect
        }
    }

    /// Streams that are not the codec's own output: other protocol versions and odd encodings.
    static let extraSeeds: [[UInt8]] = [
        frame(
            0x10,
            mqttString("MQTT") + [0x05, 0xC2, 0x00, 0x3C, 0x05, 0x11, 0x00, 0x00, 0x00, 0x0A] + mqttString("c")
                + mqttString("u") + mqttBinary([1])),
        frame(0x10, mqttString("MQIsdp") + [0x03, 0x42, 0x00, 0x00] + mqttString("c") + mqttBinary([1])),
        [0xC0, 0x80, 0x80, 0x00],
        [0x30, 0xFF, 0xFF, 0xFF, 0x7F],
    ]

    static func mutate(_ input: [UInt8], _ rng: inout SplitMix64) -> [UInt8] {
        var bytes = input
        for _ in 0..<rng.int(1...3) {
            switch rng.int(0...8) {
            case 0 where !bytes.isEmpty:  // bit flips
                for _ in 0..<rng.int(1...4) {
                    bytes[rng.int(0..<bytes.count)] ^= 1 << UInt8(rng.int(0...7))
                }
            case 1:  // insertion
                bytes.insert(contentsOf: rng.bytes(rng.int(1...4)), at: rng.int(0...bytes.count))
            case 2 where !bytes.isEmpty:  // deletion
                let start = rng.int(0..<bytes.count)
                bytes.removeSubrange(start..<min(bytes.count, start + rng.int(1...4)))
            case 3:  // truncation
                bytes = Array(bytes.prefix(rng.int(0...bytes.count)))
            case 4 where bytes.count > 1:  // remaining-length corruption
                let lengthBytes = rng.int(1...5)
                let replacement = (0..<lengthBytes).map { index in
                    index == lengthBytes - 1 && rng.bool()
                        ? rng.byte() & 0x7F : rng.element([0x00, 0x01, 0x7F, 0x80, 0xFF, rng.byte()])
                }
                var end = 1
                while end < bytes.count && end < 5 && bytes[end] & 0x80 != 0 { end += 1 }
                bytes.replaceSubrange(1..<min(bytes.count, end + 1), with: replacement)
            case 5 where !bytes.isEmpty:  // interesting values
                bytes[rng.int(0..<bytes.count)] = rng.element([0x00, 0xFF, 0x7F, 0x80, 0xC0, 0x2B, 0x23, 0x2F])
            case 6 where !bytes.isEmpty:  // first-byte corruption: any type and flags
                bytes[0] = rng.byte()
            case 7 where !bytes.isEmpty:  // duplicate a region
                let start = rng.int(0..<bytes.count)
                let end = min(bytes.count, start + rng.int(1...8))
                bytes.insert(contentsOf: bytes[start..<end], at: rng.int(0...bytes.count))
            default:  // 16-bit field corruption: a length or id somewhere in the body
                if bytes.count > 3 {
                    let at = rng.int(2..<(bytes.count - 1))
                    let value = rng.element([0, 1, 0xFFFF, bytes.count, Int(rng.byte())])
                    bytes[at] = UInt8(truncatingIfNeeded: value >> 8)
                    bytes[at + 1] = UInt8(truncatingIfNeeded: value)
                }
            }
        }
        return bytes
    }

    // MARK: Tests

    @Test(.timeLimit(.minutes(1)))
    func randomByteStreams() {
        let seed: UInt64 = 0xF022_0001
        for index in 0..<20_000 {
            let caseSeed = seed &+ UInt64(index) &* 0x1_0000_0001
            var caseRNG = SplitMix64(seed: caseSeed)
            let length = caseRNG.int(0...(caseRNG.int(0...19) == 0 ? 1_024 : 48))
            var bytes = caseRNG.bytes(length)
            // Half the streams start with a plausible fixed header so the body parsers see random bodies.
            if caseRNG.bool() && !bytes.isEmpty {
                let type = UInt8(caseRNG.int(1...14))
                let flags: UInt8 = type == 3 ? caseRNG.byte() & 0x0F : ([6, 8, 10].contains(type) ? 0x02 : 0)
                bytes = [type << 4 | flags] + remainingLengthBytes(bytes.count) + bytes
            }
            _ = Self.check(bytes, rng: &caseRNG, context: "randomByteStreams seed \(caseSeed) (case \(index))")
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func mutatedPacketStreams() {
        let seed: UInt64 = 0xF022_0002
        var decodedPackets = 0
        var errors = 0
        var codes: Set<MQTTProtocolError.Code> = []
        var types: Set<UInt8> = []
        for index in 0..<25_000 {
            let caseSeed = seed &+ UInt64(index) &* 0x1_0000_0001
            var rng = SplitMix64(seed: caseSeed)
            // One to four packets, each mutated or not, concatenated.
            var stream: [UInt8] = []
            for _ in 0..<rng.int(1...4) {
                let valid = rng.int(0...9) == 0 ? rng.element(Self.extraSeeds) : bytes(of: Self.randomPacket(&rng))
                stream += rng.int(0...2) == 0 ? valid : Self.mutate(valid, &rng)
            }
            if rng.int(0...4) == 0 { stream = Self.mutate(stream, &rng) }
            let outcome = Self.check(
                stream, rng: &rng, context: "mutatedPacketStreams seed \(caseSeed) (case \(index))")
            decodedPackets += outcome.packets.count
            if let error = outcome.error {
                errors += 1
                codes.insert(error.code)
            }
            for packet in outcome.packets { types.insert(packet.type.rawValue) }
        }
        // The corpus reaches both sides: many packets survive mutation, many streams are refused.
        #expect(decodedPackets > 5_000, "seed \(seed): only \(decodedPackets) packets decoded")
        #expect(errors > 3_000, "seed \(seed): only \(errors) streams refused")
        #expect(codes.count == 15, "seed \(seed): error codes reached: \(codes.map(\.rawValue).sorted())")
        #expect(types.count == 14, "seed \(seed): packet types decoded: \(types.sorted())")
    }

    @Test(.timeLimit(.minutes(1)))
    func validPacketStreamsDecodeExactly() {
        let seed: UInt64 = 0xF022_0003
        for index in 0..<5_000 {
            let caseSeed = seed &+ UInt64(index) &* 0x1_0000_0001
            var rng = SplitMix64(seed: caseSeed)
            let packets = (0..<rng.int(1...6)).map { _ in Self.randomPacket(&rng) }
            var stream = packets.flatMap { bytes(of: $0) }
            let tail = rng.int(0...2)
            if tail > 0, let last = packets.last {
                // An incomplete packet after the complete ones.
                let lastBytes = bytes(of: last)
                stream += lastBytes.prefix(min(tail, lastBytes.count - 1))
            }
            let context = "validPacketStreamsDecodeExactly seed \(caseSeed) (case \(index))"
            let whole = Self.decodeOneShot(
                stream, maxPacketSize: MQTTPacket.maximumRemainingLength + 5, context: context)
            #expect(whole == Outcome(packets: packets, error: nil), "\(context)")
            let chunked = Self.decodeChunked(
                stream, maxPacketSize: MQTTPacket.maximumRemainingLength + 5, rng: &rng, context: context)
            #expect(chunked == whole, "\(context)")
        }
    }

    /// The generator itself can fail: a corrupted codec must be noticed by these properties.
    @Test func propertiesDetectMismatch() {
        var rng = SplitMix64(seed: 1)
        let packet = MQTTPacket.pubrel(packetID: 7)
        var stream = bytes(of: packet)
        stream[0] = 0x60  // PUBREL with flags 0 is refused
        let outcome = Self.check(stream, rng: &rng, context: "self-check")
        #expect(outcome.packets.isEmpty)
        #expect(outcome.error?.code == .invalidFixedHeaderFlags)
    }
}
