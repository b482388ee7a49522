/// The delivery guarantee of an MQTT message or subscription (MQTT 3.1.1 §4.3).
public enum QoS: UInt8, Sendable, Hashable, Comparable, CustomStringConvertible {
    /// At most once: no acknowledgement.
    case atMostOnce = 0
    /// At least once: acknowledged with PUBACK; may be redelivered with DUP set.
    case atLeastOnce = 1
    /// Exactly once: the PUBREC / PUBREL / PUBCOMP handshake.
    case exactlyOnce = 2

    public static func < (lhs: QoS, rhs: QoS) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String { "QoS \(rawValue)" }
}
