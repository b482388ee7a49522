/// SUBSCRIBE: one or more topic filters with their requested QoS (§3.8).
public struct SubscribePacket: Sendable, Hashable {
    /// One topic filter and the maximum QoS the client wants on it.
    public struct Subscription: Sendable, Hashable {
        public var filter: String
        public var qos: QoS

        public init(filter: String, qos: QoS) {
            self.filter = filter
            self.qos = qos
        }
    }

    public var packetID: UInt16
    public var subscriptions: [Subscription]

    public init(packetID: UInt16, subscriptions: [Subscription]) {
        self.packetID = packetID
        self.subscriptions = subscriptions
    }
}

/// UNSUBSCRIBE: topic filters to remove (§3.10).
public struct UnsubscribePacket: Sendable, Hashable {
    public var packetID: UInt16
    public var filters: [String]

    public init(packetID: UInt16, filters: [String]) {
        self.packetID = packetID
        self.filters = filters
    }
}

/// SUBACK: one return code per filter of the SUBSCRIBE, in order (§3.9).
public struct SubAckPacket: Sendable, Hashable {
    /// The QoS granted for a filter, or a refusal.
    public enum ReturnCode: Sendable, Hashable {
        case granted(QoS)
        case failure

        var byte: UInt8 {
            switch self {
            case .granted(let qos): qos.rawValue
            case .failure: 0x80
            }
        }
    }

    public var packetID: UInt16
    public var returnCodes: [ReturnCode]

    public init(packetID: UInt16, returnCodes: [ReturnCode]) {
        self.packetID = packetID
        self.returnCodes = returnCodes
    }
}
