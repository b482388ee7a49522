/// An IoT Hub message system property (§2.2): its internal key (the `rawValue`, as edgeHub stores it)
/// and its MQTT wire name in topic property bags.
public enum SystemProperty: String, Sendable, Hashable, CaseIterable {
    /// `$.mid`: the message id.
    case messageId = "messageId"
    /// `$.cid`: the correlation id.
    case correlationId = "cid"
    /// `$.to`: the destination.
    case to = "to"
    /// `$.uid`: the user id.
    case userId = "userId"
    /// `$.exp`: the absolute expiry time.
    case absoluteExpiryTime = "absolute-expiry-time"
    /// `$.ct`: the content type.
    case contentType = "contentType"
    /// `$.ce`: the content encoding.
    case contentEncoding = "contentEncoding"
    /// `$.schema`: the message schema.
    case messageSchema = "messageSchema"
    /// `$.ctime`: the creation time (UTC, ISO-8601).
    case creationTime = "creationTime"
    /// `$.on`: the module output name (inbound only; never forwarded).
    case outputName = "outputName"
    /// `$.ifid`: the interface id (inbound only).
    case interfaceId = "iothub-interface-id"
    /// `$.sub`: the component name (`dt-subject`).
    case componentName = "dt-subject"
    /// `$.cdid`: the sending device (set by the hub from the topic, outbound only).
    case connectionDeviceId = "connectionDeviceId"
    /// `$.cmid`: the sending module (set by the hub from the topic, outbound only).
    case connectionModuleId = "connectionModuleId"
    /// `iothub-operation`: the operation.
    case operation = "operation"
    /// `ack`: the C2D feedback request.
    case ack = "ack"

    /// The name used in MQTT topic property bags (`$.mid`, …, `iothub-operation`, `ack`).
    public var mqttName: String {
        switch self {
        case .messageId: "$.mid"
        case .correlationId: "$.cid"
        case .to: "$.to"
        case .userId: "$.uid"
        case .absoluteExpiryTime: "$.exp"
        case .contentType: "$.ct"
        case .contentEncoding: "$.ce"
        case .messageSchema: "$.schema"
        case .creationTime: "$.ctime"
        case .outputName: "$.on"
        case .interfaceId: "$.ifid"
        case .componentName: "$.sub"
        case .connectionDeviceId: "$.cdid"
        case .connectionModuleId: "$.cmid"
        case .operation: "iothub-operation"
        case .ack: "ack"
        }
    }

    /// The property for an MQTT bag key (decoded, exact match), or `nil` if the key is not a system property name.
    public init?(mqttName: String) {
        guard let property = Self.byMQTTName[mqttName] else { return nil }
        self = property
    }

    private static let byMQTTName: [String: SystemProperty] = Dictionary(
        uniqueKeysWithValues: allCases.map { ($0.mqttName, $0) })

    /// Whether a client may set this property in an inbound (telemetry) bag. `$.cdid` and `$.cmid` are
    /// not accepted: the hub takes them from the topic, so in an inbound bag they are ordinary
    /// application properties.
    public var isAcceptedInbound: Bool {
        switch self {
        case .connectionDeviceId, .connectionModuleId: false
        default: true
        }
    }

    /// Whether the hub forwards this property to MQTT clients (`$.on` and `$.ifid` are not forwarded).
    public var isForwardedToClients: Bool {
        switch self {
        case .outputName, .interfaceId: false
        default: true
        }
    }

    /// The order of system properties in a module-input bag (§3.5): `$.ce`, `$.ct`, `$.schema`, `$.to`,
    /// `$.uid`, `$.cid`, `$.mid`, `$.cdid`, `$.cmid`, `$.sub`, then `$.exp`, `$.ctime`,
    /// `iothub-operation`, `ack`. `$.on` and `$.ifid` are absent (not forwarded).
    public static let moduleInputOrder: [SystemProperty] = [
        .contentEncoding, .contentType, .messageSchema, .to, .userId, .correlationId, .messageId,
        .connectionDeviceId, .connectionModuleId, .componentName, .absoluteExpiryTime, .creationTime,
        .operation, .ack,
    ]

    /// The order of system properties in a C2D bag (§3.5): `$.mid`, `$.to`, `$.cid`, `$.exp`, `$.uid`,
    /// `$.ct`, `$.ce`, then `$.schema`, `$.ctime`, `$.sub`, `$.cdid`, `$.cmid`, `iothub-operation`, `ack`.
    public static let cloudToDeviceOrder: [SystemProperty] = [
        .messageId, .to, .correlationId, .absoluteExpiryTime, .userId, .contentType, .contentEncoding,
        .messageSchema, .creationTime, .componentName, .connectionDeviceId, .connectionModuleId, .operation, .ack,
    ]

    /// The order the Python SDK uses when publishing telemetry (external-clients §1.3): `$.on`, `$.mid`,
    /// `$.cid`, `$.uid`, `$.ct`, `$.ce`, `$.ifid`, `$.exp`; the properties that SDK never sends follow
    /// (`$.to`, `$.schema`, `$.ctime`, `$.sub`, `iothub-operation`, `ack`, `$.cdid`, `$.cmid`).
    public static let deviceTelemetryOrder: [SystemProperty] = [
        .outputName, .messageId, .correlationId, .userId, .contentType, .contentEncoding, .interfaceId,
        .absoluteExpiryTime, .to, .messageSchema, .creationTime, .componentName, .operation, .ack,
        .connectionDeviceId, .connectionModuleId,
    ]
}
