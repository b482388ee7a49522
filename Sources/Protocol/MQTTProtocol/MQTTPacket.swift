/// One MQTT 3.1.1 control packet, as a value. ``MQTTPacket/decode(from:maxPacketSize:)`` and
/// ``MQTTPacket/encode(into:)`` convert it to and from the wire.
public enum MQTTPacket: Sendable, Hashable {
    case connect(ConnectPacket)
    case connack(ConnAckPacket)
    case publish(PublishPacket)
    case puback(packetID: UInt16)
    case pubrec(packetID: UInt16)
    case pubrel(packetID: UInt16)
    case pubcomp(packetID: UInt16)
    case subscribe(SubscribePacket)
    case suback(SubAckPacket)
    case unsubscribe(UnsubscribePacket)
    case unsuback(packetID: UInt16)
    case pingreq
    case pingresp
    case disconnect

    /// The 4-bit packet type of the fixed header.
    public enum PacketType: UInt8, Sendable {
        case connect = 1, connack, publish, puback, pubrec, pubrel, pubcomp, subscribe, suback, unsubscribe, unsuback,
            pingreq, pingresp, disconnect
    }

    public var type: PacketType {
        switch self {
        case .connect: .connect
        case .connack: .connack
        case .publish: .publish
        case .puback: .puback
        case .pubrec: .pubrec
        case .pubrel: .pubrel
        case .pubcomp: .pubcomp
        case .subscribe: .subscribe
        case .suback: .suback
        case .unsubscribe: .unsubscribe
        case .unsuback: .unsuback
        case .pingreq: .pingreq
        case .pingresp: .pingresp
        case .disconnect: .disconnect
        }
    }

    /// The largest remaining length the 4-byte variable-length encoding can carry (§2.2.3).
    public static let maximumRemainingLength = 268_435_455
}
