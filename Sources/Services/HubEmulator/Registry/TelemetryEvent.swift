public import IoTHubProtocol

/// A device-to-cloud (telemetry) message as the hub stored it, for `monitor-events`: the sender, the
/// hub-assigned sequence number and enqueued time, the body, and the system and application properties
/// as received (in order).
///
/// System properties are keyed by edgeHub's internal names (``SystemProperty``'s raw values:
/// `messageId`, `contentType`, `cid`, `connectionDeviceId`, …). JSON shape: `{"sequenceNumber",
/// "deviceId", "moduleId", "enqueuedTime", "systemProperties": {…}, "applicationProperties": {…},
/// "body": "<base64>"}`.
public struct TelemetryEvent: Sendable, Hashable, Codable {
    /// The hub's sequence number (strictly increasing; assigned by ``HubRegistry/recordTelemetry(_:)``).
    public var sequenceNumber: Int64
    /// The sending device.
    public var deviceId: String
    /// The sending module, if a module sent it.
    public var moduleId: String?
    /// When the hub received the message (assigned by the registry).
    public var enqueuedTime: String
    /// The payload.
    public var body: [UInt8]
    /// The system properties in order, keyed by internal name.
    public var systemProperties: PropertyBag
    /// The application properties in order.
    public var applicationProperties: PropertyBag

    /// Creates an event (sequence number and enqueued time are set by the registry when recorded).
    public init(
        sequenceNumber: Int64 = 0,
        deviceId: String,
        moduleId: String? = nil,
        enqueuedTime: String = HubTimestamp.never,
        body: [UInt8],
        systemProperties: PropertyBag = PropertyBag(),
        applicationProperties: PropertyBag = PropertyBag()
    ) {
        self.sequenceNumber = sequenceNumber
        self.deviceId = deviceId
        self.moduleId = moduleId
        self.enqueuedTime = enqueuedTime
        self.body = body
        self.systemProperties = systemProperties
        self.applicationProperties = applicationProperties
    }

    /// An event for a message received from `deviceId` (and `moduleId`): its system properties in
    /// ``SystemProperty`` declaration order, keyed by internal name, and its application properties.
    public init(deviceId: String, moduleId: String? = nil, message: IoTHubMessage) {
        var system = PropertyBag()
        for property in SystemProperty.allCases {
            if let value = message.systemProperties[property] { system.append(key: property.rawValue, value: value) }
        }
        self.init(
            deviceId: deviceId, moduleId: moduleId, body: message.body, systemProperties: system,
            applicationProperties: message.applicationProperties)
    }

    /// Reads the JSON shape; `deviceId` is required.
    public init(json: JSONValue) throws(HubError) {
        let fields = try JSONFields(json, path: "")
        guard let deviceId = try fields.string("deviceId") else { throw HubError(.argumentInvalid, "deviceId is missing") }
        var body: [UInt8] = []
        if let text = try fields.string("body") {
            guard let decoded = Base64.decode(text) else { throw HubError(.argumentInvalid, "body must be base64") }
            body = decoded
        }
        self.init(
            sequenceNumber: try fields.int("sequenceNumber") ?? 0,
            deviceId: deviceId,
            moduleId: try fields.string("moduleId"),
            enqueuedTime: try fields.string("enqueuedTime") ?? HubTimestamp.never,
            body: body,
            systemProperties: try fields.object("systemProperties").map { (f: JSONFields) throws(HubError) in
                try PropertyBag(jsonObject: f)
            } ?? PropertyBag(),
            applicationProperties: try fields.object("applicationProperties").map { (f: JSONFields) throws(HubError) in
                try PropertyBag(jsonObject: f)
            } ?? PropertyBag())
    }

    /// The JSON shape, properties in order.
    public var json: JSONValue {
        [
            "sequenceNumber": .int(sequenceNumber),
            "deviceId": .string(deviceId),
            "moduleId": .optional(moduleId),
            "enqueuedTime": .string(enqueuedTime),
            "systemProperties": systemProperties.jsonObject,
            "applicationProperties": applicationProperties.jsonObject,
            "body": .string(Base64.encode(body)),
        ]
    }

    public init(from decoder: any Decoder) throws {
        try self.init(json: JSONValue(from: decoder))
    }

    public func encode(to encoder: any Encoder) throws {
        try json.encode(to: encoder)
    }
}
