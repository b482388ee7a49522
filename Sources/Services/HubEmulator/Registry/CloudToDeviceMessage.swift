public import IoTHubProtocol

/// A cloud-to-device message queued for a device: the body, the system properties IoT Hub keeps for
/// C2D messages and the application properties in order.
///
/// JSON shape (the emulator's own; IoT Hub sends C2D over AMQP): `{"messageId", "correlationId",
/// "userId", "contentType", "contentEncoding", "expiryTime", "ack", "properties": {…}, "enqueuedTime",
/// "deliveryCount", "body": "<base64>"}`, absent values as `null`. ``json`` and ``init(json:)`` keep
/// the order of `properties`; `Codable` goes through them but a decoder may not keep that order.
public struct CloudToDeviceMessage: Sendable, Hashable, Codable {
    /// The message id (`$.mid`); the registry generates a UUID when it is empty.
    public var messageId: String
    /// The payload.
    public var body: [UInt8]
    /// `$.ct`.
    public var contentType: String?
    /// `$.ce`.
    public var contentEncoding: String?
    /// `$.cid`.
    public var correlationId: String?
    /// `$.exp`: the absolute expiry time (ISO-8601). The registry drops the message after it; without
    /// one, after IoT Hub's default time to live (1 hour).
    public var expiryTime: String?
    /// `$.uid`.
    public var userId: String?
    /// The feedback requested (`none`, `positive`, `negative` or `full`).
    public var ack: String?
    /// The application properties in order.
    public var properties: PropertyBag
    /// When the hub queued the message (set by the registry).
    public var enqueuedTime: String?
    /// How many times the message was delivered.
    public var deliveryCount: Int

    /// Creates a message.
    public init(
        messageId: String = "",
        body: [UInt8],
        contentType: String? = nil,
        contentEncoding: String? = nil,
        correlationId: String? = nil,
        expiryTime: String? = nil,
        userId: String? = nil,
        ack: String? = nil,
        properties: PropertyBag = PropertyBag(),
        enqueuedTime: String? = nil,
        deliveryCount: Int = 0
    ) {
        self.messageId = messageId
        self.body = body
        self.contentType = contentType
        self.contentEncoding = contentEncoding
        self.correlationId = correlationId
        self.expiryTime = expiryTime
        self.userId = userId
        self.ack = ack
        self.properties = properties
        self.enqueuedTime = enqueuedTime
        self.deliveryCount = deliveryCount
    }

    /// Reads the JSON shape; every member is optional (`body` defaults to empty, `messageId` to "").
    public init(json: JSONValue) throws(HubError) {
        let fields = try JSONFields(json, path: "")
        var body: [UInt8] = []
        if let text = try fields.string("body") {
            guard let decoded = Base64.decode(text) else { throw HubError(.argumentInvalid, "body must be base64") }
            body = decoded
        }
        self.init(
            messageId: try fields.string("messageId") ?? "",
            body: body,
            contentType: try fields.string("contentType"),
            contentEncoding: try fields.string("contentEncoding"),
            correlationId: try fields.string("correlationId"),
            expiryTime: try fields.string("expiryTime"),
            userId: try fields.string("userId"),
            ack: try fields.string("ack"),
            properties: try fields.object("properties").map { (f: JSONFields) throws(HubError) in try PropertyBag(jsonObject: f) }
                ?? PropertyBag(),
            enqueuedTime: try fields.string("enqueuedTime"),
            deliveryCount: Int(try fields.int("deliveryCount") ?? 0))
    }

    /// The JSON shape, `properties` in order.
    public var json: JSONValue {
        [
            "messageId": .string(messageId),
            "correlationId": .optional(correlationId),
            "userId": .optional(userId),
            "contentType": .optional(contentType),
            "contentEncoding": .optional(contentEncoding),
            "expiryTime": .optional(expiryTime),
            "ack": .optional(ack),
            "properties": properties.jsonObject,
            "enqueuedTime": .optional(enqueuedTime),
            "deliveryCount": .int(Int64(deliveryCount)),
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
