import MQTTProtocol
import NIOCore

/// SplitMix64: a tiny, seeded, fully deterministic generator, so every random test reproduces from its seed.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform integer in `range`, by plain modulo reduction (independent of the standard library's algorithm).
    mutating func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.upperBound - range.lowerBound + 1))
    }

    mutating func int(_ range: Range<Int>) -> Int { int(range.lowerBound...(range.upperBound - 1)) }

    mutating func bool() -> Bool { next() & 1 == 1 }

    mutating func byte() -> UInt8 { UInt8(truncatingIfNeeded: next()) }

    mutating func bytes(_ count: Int) -> [UInt8] { (0..<count).map { _ in byte() } }

    mutating func element<T>(_ array: [T]) -> T { array[int(0..<array.count)] }
}

extension ByteBuffer {
    init(hex: String) {
        let digits = hex.split(whereSeparator: { $0 == " " || $0 == "\n" })
        self.init(bytes: digits.map { UInt8($0, radix: 16)! })
    }
}

func bytes(of packet: MQTTPacket) -> [UInt8] {
    var buffer = ByteBuffer()
    packet.encode(into: &buffer)
    return Array(buffer: buffer)
}

func hex(_ bytes: [UInt8]) -> String {
    bytes.map { byte in
        let digits = String(byte, radix: 16, uppercase: true)
        return digits.count == 1 ? "0" + digits : digits
    }
    .joined(separator: " ")
}

/// Decodes exactly one packet that must fill `bytes` completely.
func decodeWhole(_ bytes: [UInt8], maxPacketSize: Int = MQTTPacket.maximumRemainingLength + 5) throws(MQTTProtocolError)
    -> MQTTPacket?
{
    var buffer = ByteBuffer(bytes: bytes)
    let packet = try MQTTPacket.decode(from: &buffer, maxPacketSize: maxPacketSize)
    if packet != nil && buffer.readableBytes != 0 { return nil }
    return packet
}

/// The error a decode of `bytes` throws, or nil when it does not throw.
func decodeError(_ bytes: [UInt8], maxPacketSize: Int = MQTTPacket.maximumRemainingLength + 5) -> MQTTProtocolError? {
    var buffer = ByteBuffer(bytes: bytes)
    do {
        _ = try MQTTPacket.decode(from: &buffer, maxPacketSize: maxPacketSize)
        return nil
    } catch {
        return error
    }
}

/// MQTT string: 2-byte big-endian length then the bytes.
func mqttString(_ string: String) -> [UInt8] { mqttBinary(Array(string.utf8)) }

func mqttBinary(_ bytes: [UInt8]) -> [UInt8] { [UInt8(bytes.count >> 8), UInt8(bytes.count & 0xFF)] + bytes }

/// The §2.2.3 variable-length encoding, written independently of the codec.
func remainingLengthBytes(_ length: Int) -> [UInt8] {
    var result: [UInt8] = []
    var x = length
    repeat {
        var digit = UInt8(x % 128)
        x /= 128
        if x > 0 { digit |= 0x80 }
        result.append(digit)
    } while x > 0
    return result
}

/// A whole packet from a first byte and a body.
func frame(_ first: UInt8, _ body: [UInt8]) -> [UInt8] { [first] + remainingLengthBytes(body.count) + body }
