public import IoTHubProtocol

/// A module identity on a device, in the JSON shape of IoT Hub's REST API (`Module`): `moduleId`,
/// `managedBy`, `deviceId`, `generationId`, `etag`, `connectionState`, `connectionStateUpdatedTime`,
/// `lastActivityTime`, `cloudToDeviceMessageCount`, `authentication`.
///
/// As for ``DeviceIdentity``, the service owns `generationId`, `etag`, the connection fields, the times
/// and the message count.
public struct ModuleIdentity: Sendable, Hashable, Codable {
    /// The module id (case-sensitive, up to 128 characters; `$edgeAgent` and `$edgeHub` are the hub's).
    public var moduleId: String
    /// Who manages the module (free text; IoT Edge uses `iotEdge`).
    public var managedBy: String?
    /// The device the module belongs to.
    public var deviceId: String
    /// Set by the hub on creation.
    public var generationId: String?
    /// Changes on every update of the identity.
    public var etag: String?
    /// Whether the module is connected.
    public var connectionState: ConnectionState
    /// When ``connectionState`` last changed.
    public var connectionStateUpdatedTime: String
    /// When the module last connected or sent or received a message.
    public var lastActivityTime: String
    /// Always 0: cloud-to-device messages go to devices.
    public var cloudToDeviceMessageCount: Int
    /// How the module authenticates.
    public var authentication: AuthenticationMechanism

    /// Creates a module identity (by default SAS with generated keys).
    public init(
        moduleId: String,
        deviceId: String,
        managedBy: String? = nil,
        generationId: String? = nil,
        etag: String? = nil,
        connectionState: ConnectionState = .disconnected,
        connectionStateUpdatedTime: String = HubTimestamp.never,
        lastActivityTime: String = HubTimestamp.never,
        cloudToDeviceMessageCount: Int = 0,
        authentication: AuthenticationMechanism = .sas()
    ) {
        self.moduleId = moduleId
        self.managedBy = managedBy
        self.deviceId = deviceId
        self.generationId = generationId
        self.etag = etag
        self.connectionState = connectionState
        self.connectionStateUpdatedTime = connectionStateUpdatedTime
        self.lastActivityTime = lastActivityTime
        self.cloudToDeviceMessageCount = cloudToDeviceMessageCount
        self.authentication = authentication
    }

    /// Reads a module from IoT Hub's JSON shape; `moduleId` and `deviceId` are required. A missing
    /// `authentication` is SAS with keys the registry generates.
    public init(json: JSONValue) throws(HubError) {
        let fields = try JSONFields(json, path: "")
        guard let moduleId = try fields.string("moduleId") else {
            throw HubError(.argumentInvalid, "moduleId is missing")
        }
        guard let deviceId = try fields.string("deviceId") else {
            throw HubError(.argumentInvalid, "deviceId is missing")
        }
        self.init(moduleId: moduleId, deviceId: deviceId)
        managedBy = try fields.string("managedBy")
        generationId = try fields.string("generationId")
        etag = try fields.string("etag")
        connectionState = try fields.enumeration("connectionState", as: ConnectionState.self) ?? .disconnected
        connectionStateUpdatedTime = try fields.string("connectionStateUpdatedTime") ?? HubTimestamp.never
        lastActivityTime = try fields.string("lastActivityTime") ?? HubTimestamp.never
        cloudToDeviceMessageCount = Int(try fields.int("cloudToDeviceMessageCount") ?? 0)
        if let value = fields.value("authentication") {
            authentication = try AuthenticationMechanism(json: value)
        }
    }

    /// The IoT Hub JSON shape, members in IoT Hub's order.
    public var json: JSONValue {
        [
            "moduleId": .string(moduleId),
            "managedBy": .optional(managedBy),
            "deviceId": .string(deviceId),
            "generationId": .optional(generationId),
            "etag": .optional(etag),
            "connectionState": .string(connectionState.rawValue),
            "connectionStateUpdatedTime": .string(connectionStateUpdatedTime),
            "lastActivityTime": .string(lastActivityTime),
            "cloudToDeviceMessageCount": .int(Int64(cloudToDeviceMessageCount)),
            "authentication": authentication.json,
        ]
    }

    public init(from decoder: any Decoder) throws {
        try self.init(json: JSONValue(from: decoder))
    }

    public func encode(to encoder: any Encoder) throws {
        try json.encode(to: encoder)
    }
}
