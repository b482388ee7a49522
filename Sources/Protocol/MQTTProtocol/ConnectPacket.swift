public import NIOCore

/// CONNECT: the first packet a client sends (§3.1).
public struct ConnectPacket: Sendable, Hashable {
    /// The message the server publishes on the client's behalf when the connection ends without DISCONNECT.
    public struct Will: Sendable, Hashable {
        public var topic: String
        public var payload: ByteBuffer
        public var qos: QoS
        public var retain: Bool

        public init(topic: String, payload: ByteBuffer, qos: QoS = .atMostOnce, retain: Bool = false) {
            self.topic = topic
            self.payload = payload
            self.qos = qos
            self.retain = retain
        }
    }

    /// `4` for MQTT 3.1.1 (protocol name `MQTT`), `3` for MQTT 3.1 (`MQIsdp`).
    public var protocolLevel: UInt8
    public var clientID: String
    public var cleanSession: Bool
    /// Seconds; `0` disables keep-alive.
    public var keepAlive: UInt16
    public var will: Will?
    public var username: String?
    public var password: [UInt8]?

    public init(
        clientID: String,
        cleanSession: Bool = true,
        keepAlive: UInt16 = 60,
        will: Will? = nil,
        username: String? = nil,
        password: [UInt8]? = nil,
        protocolLevel: UInt8 = 4
    ) {
        self.protocolLevel = protocolLevel
        self.clientID = clientID
        self.cleanSession = cleanSession
        self.keepAlive = keepAlive
        self.will = will
        self.username = username
        self.password = password
    }

    /// The protocol name that goes with a protocol level.
    static func protocolName(forLevel level: UInt8) -> String { level == 3 ? "MQIsdp" : "MQTT" }
}
