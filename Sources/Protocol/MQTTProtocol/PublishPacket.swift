public import NIOCore

/// PUBLISH: an application message (§3.3). The payload stays a `ByteBuffer` so routing never copies it.
public struct PublishPacket: Sendable, Hashable {
    public var topic: String
    public var payload: ByteBuffer
    public var qos: QoS
    public var retain: Bool
    /// Set on a redelivery of a QoS 1 or 2 message.
    public var dup: Bool
    /// Present exactly when `qos` is above 0.
    public var packetID: UInt16?

    public init(
        topic: String,
        payload: ByteBuffer,
        qos: QoS = .atMostOnce,
        retain: Bool = false,
        dup: Bool = false,
        packetID: UInt16? = nil
    ) {
        self.topic = topic
        self.payload = payload
        self.qos = qos
        self.retain = retain
        self.dup = dup
        self.packetID = packetID
    }
}
