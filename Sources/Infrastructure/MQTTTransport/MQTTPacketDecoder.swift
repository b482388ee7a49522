public import MQTTProtocol
public import NIOCore

/// Turns a TCP/TLS byte stream into ``MQTTPacket`` values, coping with partial and coalesced frames.
/// A malformed or oversized packet is raised as an ``MQTTProtocolError`` through `errorCaught`.
public struct MQTTPacketDecoder: NIOSingleStepByteToMessageDecoder {
    public typealias InboundOut = MQTTPacket

    /// The largest whole packet accepted, in bytes.
    public let maxPacketSize: Int

    public init(maxPacketSize: Int) {
        self.maxPacketSize = maxPacketSize
    }

    public mutating func decode(buffer: inout ByteBuffer) throws -> MQTTPacket? {
        try MQTTPacket.decode(from: &buffer, maxPacketSize: maxPacketSize)
    }

    public mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> MQTTPacket? {
        try decode(buffer: &buffer)
    }
}

/// Writes ``MQTTPacket`` values to the wire.
public struct MQTTPacketEncoder: MessageToByteEncoder {
    public typealias OutboundIn = MQTTPacket

    public init() {}

    public func encode(data: MQTTPacket, out: inout ByteBuffer) throws {
        data.encode(into: &out)
    }
}
