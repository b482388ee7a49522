public import IoTHubProtocol

/// A device or module twin as IoT Hub's service API returns it (`Twin`): the identity's fields that IoT
/// Hub copies onto its twin (`deviceId`, `moduleId`, `etag`, `deviceEtag`, `status`, `statusReason`,
/// `statusUpdateTime`, `connectionState`, `lastActivityTime`, `cloudToDeviceMessageCount`,
/// `authenticationType`, `x509Thumbprint`, `modelId`, `capabilities`, `deviceScope`, `parentScopes`),
/// the twin `version`, `tags`, and `properties` with `desired` and `reported`, each carrying `$metadata`
/// and `$version` as IoT Hub renders them.
///
/// The twin `etag` is IoT Hub's: the base64 of a big-endian 64-bit counter (`AAAAAAAAAAE=` for a new
/// twin) that changes when tags or desired properties change; `version` counts every change of tags,
/// desired or reported properties (2 for a new twin, as IoT Hub reports). Members that do not apply
/// (`capabilities` and the scopes on a module twin) are `nil` and left out of ``json``.
public struct TwinDocument: Sendable, Hashable, Codable {
    /// The device id.
    public var deviceId: String
    /// The module id, for a module twin.
    public var moduleId: String?
    /// The twin's etag (send it back in `If-Match` to update the twin).
    public var etag: String
    /// The device's (for a module twin, the module's) identity etag.
    public var deviceEtag: String?
    /// The device's status (`enabled` for a module).
    public var status: DeviceStatus?
    /// The device's status reason.
    public var statusReason: String?
    /// When the device's status last changed.
    public var statusUpdateTime: String?
    /// Whether the device or module is connected.
    public var connectionState: ConnectionState?
    /// When the device or module was last active.
    public var lastActivityTime: String?
    /// The number of cloud-to-device messages queued for the device.
    public var cloudToDeviceMessageCount: Int?
    /// How the device or module authenticates.
    public var authenticationType: AuthenticationType?
    /// The device's or module's X.509 thumbprints.
    public var x509Thumbprint: AuthenticationMechanism.X509Thumbprint?
    /// The IoT Plug and Play model id (empty when none was announced).
    public var modelId: String?
    /// The twin version: incremented by every change of tags, desired or reported properties.
    public var version: Int64
    /// The tags (service-only metadata, never shown to the device).
    public var tags: JSONObject
    /// The desired and reported properties.
    public var properties: Properties
    /// The device's capabilities (device twins only).
    public var capabilities: DeviceCapabilities?
    /// The device's scope (device twins only).
    public var deviceScope: String?
    /// The device's parent scopes (device twins only).
    public var parentScopes: [String]?

    /// Creates a twin.
    public init(
        deviceId: String,
        moduleId: String? = nil,
        etag: String,
        deviceEtag: String? = nil,
        status: DeviceStatus? = nil,
        statusReason: String? = nil,
        statusUpdateTime: String? = nil,
        connectionState: ConnectionState? = nil,
        lastActivityTime: String? = nil,
        cloudToDeviceMessageCount: Int? = nil,
        authenticationType: AuthenticationType? = nil,
        x509Thumbprint: AuthenticationMechanism.X509Thumbprint? = nil,
        modelId: String? = nil,
        version: Int64,
        tags: JSONObject = JSONObject(),
        properties: Properties = Properties(),
        capabilities: DeviceCapabilities? = nil,
        deviceScope: String? = nil,
        parentScopes: [String]? = nil
    ) {
        self.deviceId = deviceId
        self.moduleId = moduleId
        self.etag = etag
        self.deviceEtag = deviceEtag
        self.status = status
        self.statusReason = statusReason
        self.statusUpdateTime = statusUpdateTime
        self.connectionState = connectionState
        self.lastActivityTime = lastActivityTime
        self.cloudToDeviceMessageCount = cloudToDeviceMessageCount
        self.authenticationType = authenticationType
        self.x509Thumbprint = x509Thumbprint
        self.modelId = modelId
        self.version = version
        self.tags = tags
        self.properties = properties
        self.capabilities = capabilities
        self.deviceScope = deviceScope
        self.parentScopes = parentScopes
    }

    /// Reads a twin in IoT Hub's service shape; only `deviceId` is required. A properties section
    /// without `$version` reads as version 1.
    public init(json: JSONValue) throws(HubError) {
        let fields = try JSONFields(json, path: "")
        guard let deviceId = try fields.string("deviceId") else {
            throw HubError(.argumentInvalid, "deviceId is missing")
        }
        self.init(deviceId: deviceId, etag: try fields.string("etag") ?? "", version: try fields.int("version") ?? 1)
        moduleId = try fields.string("moduleId")
        deviceEtag = try fields.string("deviceEtag")
        status = try fields.enumeration("status", as: DeviceStatus.self)
        statusReason = try fields.string("statusReason")
        statusUpdateTime = try fields.string("statusUpdateTime")
        connectionState = try fields.enumeration("connectionState", as: ConnectionState.self)
        lastActivityTime = try fields.string("lastActivityTime")
        cloudToDeviceMessageCount = try fields.int("cloudToDeviceMessageCount").map { Int($0) }
        authenticationType = try fields.enumeration("authenticationType", as: AuthenticationType.self)
        if let thumbprint = try fields.object("x509Thumbprint") {
            x509Thumbprint = AuthenticationMechanism.X509Thumbprint(
                primaryThumbprint: try thumbprint.string("primaryThumbprint"),
                secondaryThumbprint: try thumbprint.string("secondaryThumbprint"))
        }
        modelId = try fields.string("modelId")
        tags = try fields.object("tags")?.object ?? JSONObject()
        if let value = fields.value("properties") {
            properties = try Properties(json: value)
        }
        if let value = fields.value("capabilities") {
            capabilities = try DeviceCapabilities(json: value)
        }
        deviceScope = try fields.string("deviceScope")
        parentScopes = try fields.stringArray("parentScopes")
    }

    /// The service shape, members in IoT Hub's order; `nil` members are left out.
    public var json: JSONValue {
        var object = JSONObject()
        object["deviceId"] = .string(deviceId)
        if let moduleId { object["moduleId"] = .string(moduleId) }
        object["etag"] = .string(etag)
        if let deviceEtag { object["deviceEtag"] = .string(deviceEtag) }
        if let status { object["status"] = .string(status.rawValue) }
        if let statusReason { object["statusReason"] = .string(statusReason) }
        if let statusUpdateTime { object["statusUpdateTime"] = .string(statusUpdateTime) }
        if let connectionState { object["connectionState"] = .string(connectionState.rawValue) }
        if let lastActivityTime { object["lastActivityTime"] = .string(lastActivityTime) }
        if let cloudToDeviceMessageCount { object["cloudToDeviceMessageCount"] = .int(Int64(cloudToDeviceMessageCount)) }
        if let authenticationType { object["authenticationType"] = .string(authenticationType.rawValue) }
        if let x509Thumbprint { object["x509Thumbprint"] = x509Thumbprint.json }
        if let modelId { object["modelId"] = .string(modelId) }
        object["version"] = .int(version)
        object["tags"] = .object(tags)
        object["properties"] = properties.json
        if let capabilities { object["capabilities"] = capabilities.json }
        if let deviceScope { object["deviceScope"] = .string(deviceScope) }
        if let parentScopes { object["parentScopes"] = .array(parentScopes.map { .string($0) }) }
        return .object(object)
    }

    public init(from decoder: any Decoder) throws {
        try self.init(json: JSONValue(from: decoder))
    }

    public func encode(to encoder: any Encoder) throws {
        try json.encode(to: encoder)
    }
}
