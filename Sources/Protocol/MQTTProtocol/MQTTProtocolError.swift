/// Why a byte stream is not valid MQTT 3.1.1. A server or client that meets one closes the connection
/// and logs ``description``, which names the rule that was broken.
public struct MQTTProtocolError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A machine-checkable reason.
    public enum Code: String, Sendable, Hashable {
        case malformedRemainingLength
        case packetTooLarge
        case invalidPacketType
        case invalidFixedHeaderFlags
        case truncatedPacket
        case trailingBytes
        case invalidUTF8
        case invalidProtocolName
        case invalidConnectFlags
        case invalidQoS
        case invalidTopicName
        case invalidTopicFilter
        case emptySubscription
        case invalidPacketIdentifier
        case invalidReturnCode
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "MQTT protocol error (\(code.rawValue)): \(message)" }
}
