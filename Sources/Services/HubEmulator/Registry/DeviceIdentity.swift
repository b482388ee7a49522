public import IoTHubProtocol

/// A device identity in IoT Hub's registry, in the JSON shape of IoT Hub's REST API (`Device`):
/// `deviceId`, `generationId`, `etag`, `connectionState`, `status`, `statusReason`,
/// `connectionStateUpdatedTime`, `statusUpdatedTime`, `lastActivityTime`, `cloudToDeviceMessageCount`,
/// `authentication`, `capabilities`, `deviceScope`, `parentScopes`.
///
/// Times are IoT Hub timestamp strings (see ``HubTimestamp``). The service owns `generationId`, `etag`,
/// the connection fields, the times and the message count: ``HubRegistry`` ignores them in a create or
/// update and fills them in.
///
/// ``json`` renders the exact shape in IoT Hub's member order; ``init(json:)`` reads a request body
/// leniently (only `deviceId` is required). `Codable` goes through the same two.
public struct DeviceIdentity: Sendable, Hashable, Codable {
    /// The device id (case-sensitive, up to 128 characters).
    public var deviceId: String
    /// Set by the hub on creation; changes when a device is deleted and created again.
    public var generationId: String?
    /// Changes on every update of the identity; send it back in `If-Match`.
    public var etag: String?
    /// Whether the device is connected.
    public var connectionState: ConnectionState
    /// Whether the device may connect.
    public var status: DeviceStatus
    /// Why the device has its status (free text set by the caller).
    public var statusReason: String?
    /// When ``connectionState`` last changed.
    public var connectionStateUpdatedTime: String
    /// When ``status`` last changed.
    public var statusUpdatedTime: String
    /// When the device last connected or sent or received a message.
    public var lastActivityTime: String
    /// The number of cloud-to-device messages queued for the device.
    public var cloudToDeviceMessageCount: Int
    /// How the device authenticates.
    public var authentication: AuthenticationMechanism
    /// Whether the device is an IoT Edge device.
    public var capabilities: DeviceCapabilities
    /// For an edge device its own scope (`ms-azure-iot-edge://{deviceId}-{generationId}`, set by the hub);
    /// for a leaf device the scope of its parent edge device.
    public var deviceScope: String?
    /// The scopes of the parent edge devices (for a leaf device, its ``deviceScope``).
    public var parentScopes: [String]

    /// Creates a device identity (by default enabled, SAS with generated keys, not an edge device).
    public init(
        deviceId: String,
        generationId: String? = nil,
        etag: String? = nil,
        connectionState: ConnectionState = .disconnected,
        status: DeviceStatus = .enabled,
        statusReason: String? = nil,
        connectionStateUpdatedTime: String = HubTimestamp.never,
        statusUpdatedTime: String = HubTimestamp.never,
        lastActivityTime: String = HubTimestamp.never,
        cloudToDeviceMessageCount: Int = 0,
        authentication: AuthenticationMechanism = .sas(),
        capabilities: DeviceCapabilities = DeviceCapabilities(),
        deviceScope: String? = nil,
        parentScopes: [String] = []
    ) {
        self.deviceId = deviceId
        self.generationId = generationId
        self.etag = etag
        self.connectionState = connectionState
        self.status = status
        self.statusReason = statusReason
        self.connectionStateUpdatedTime = connectionStateUpdatedTime
        self.statusUpdatedTime = statusUpdatedTime
        self.lastActivityTime = lastActivityTime
        self.cloudToDeviceMessageCount = cloudToDeviceMessageCount
        self.authentication = authentication
        self.capabilities = capabilities
        self.deviceScope = deviceScope
        self.parentScopes = parentScopes
    }

    /// Reads a device from IoT Hub's JSON shape. Only `deviceId` is required; absent members take the
    /// memberwise initializer's defaults (enabled, disconnected, SAS with keys to generate, not edge).
    /// A member of the wrong type or an unknown enumeration value is an `ArgumentInvalid` error.
    public init(json: JSONValue) throws(HubError) {
        let fields = try JSONFields(json, path: "")
        guard let deviceId = try fields.string("deviceId") else {
            throw HubError(.argumentInvalid, "deviceId is missing")
        }
        self.init(deviceId: deviceId)
        generationId = try fields.string("generationId")
        etag = try fields.string("etag")
        connectionState = try fields.enumeration("connectionState", as: ConnectionState.self) ?? .disconnected
        status = try fields.enumeration("status", as: DeviceStatus.self) ?? .enabled
        statusReason = try fields.string("statusReason")
        connectionStateUpdatedTime = try fields.string("connectionStateUpdatedTime") ?? HubTimestamp.never
        statusUpdatedTime = try fields.string("statusUpdatedTime") ?? HubTimestamp.never
        lastActivityTime = try fields.string("lastActivityTime") ?? HubTimestamp.never
        cloudToDeviceMessageCount = Int(try fields.int("cloudToDeviceMessageCount") ?? 0)
        if let value = fields.value("authentication") {
            authentication = try AuthenticationMechanism(json: value)
        }
        if let value = fields.value("capabilities") {
            capabilities = try DeviceCapabilities(json: value)
        }
        deviceScope = try fields.string("deviceScope")
        parentScopes = try fields.stringArray("parentScopes") ?? []
    }

    /// The IoT Hub JSON shape, members in IoT Hub's order (`deviceScope` only when set).
    public var json: JSONValue {
        var object: JSONObject = [
            "deviceId": .string(deviceId),
            "generationId": .optional(generationId),
            "etag": .optional(etag),
            "connectionState": .string(connectionState.rawValue),
            "status": .string(status.rawValue),
            "statusReason": .optional(statusReason),
            "connectionStateUpdatedTime": .string(connectionStateUpdatedTime),
            "statusUpdatedTime": .string(statusUpdatedTime),
            "lastActivityTime": .string(lastActivityTime),
            "cloudToDeviceMessageCount": .int(Int64(cloudToDeviceMessageCount)),
            "authentication": authentication.json,
            "capabilities": capabilities.json,
        ]
        if let deviceScope { object["deviceScope"] = .string(deviceScope) }
        object["parentScopes"] = .array(parentScopes.map { .string($0) })
        return .object(object)
    }

    public init(from decoder: any Decoder) throws {
        try self.init(json: JSONValue(from: decoder))
    }

    public func encode(to encoder: any Encoder) throws {
        try json.encode(to: encoder)
    }
}
