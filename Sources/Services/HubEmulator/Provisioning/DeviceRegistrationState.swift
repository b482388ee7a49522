public import IoTHubProtocol

/// A device's registration with DPS (`DeviceRegistrationResult`, the `registrationState` of an operation):
/// `x509` or `symmetricKey` (with the `enrollmentGroupId` for a group), `registrationId`, `createdDateTimeUtc`,
/// `assignedHub`, `deviceId`, `status`, `substatus`, `lastUpdatedDateTimeUtc`, `etag` and the `payload` the device
/// sent. The emulator assigns synchronously, so a stored registration is always `assigned`.
public struct DeviceRegistrationState: Sendable, Hashable {
    /// How the device attested: `symmetricKey` or `x509`.
    public var attestationType: String
    /// The group the device registered through, if any.
    public var enrollmentGroupId: String?
    /// The registration id.
    public var registrationId: String
    /// When the device first registered (IoT Hub timestamp).
    public var createdDateTimeUtc: String
    /// The hub the device was assigned to.
    public var assignedHub: String
    /// The device id in that hub.
    public var deviceId: String
    /// `assigned`.
    public var status: String
    /// `initialAssignment`: the emulator has one hub, so a device never moves.
    public var substatus: String
    /// When the registration last changed.
    public var lastUpdatedDateTimeUtc: String
    /// Changes on every registration.
    public var etag: String
    /// The `payload` of the registration request, echoed back.
    public var payload: JSONValue?
    /// The id of the last registration operation.
    public var operationId: String

    /// DPS's JSON shape (without the operation id, which the operation carries).
    public var json: JSONValue {
        var attestation = JSONObject()
        if let enrollmentGroupId { attestation["enrollmentGroupId"] = .string(enrollmentGroupId) }
        var object: JSONObject = [
            attestationType: .object(attestation),
            "registrationId": .string(registrationId),
            "createdDateTimeUtc": .string(createdDateTimeUtc),
            "assignedHub": .string(assignedHub),
            "deviceId": .string(deviceId),
            "status": .string(status),
            "substatus": .string(substatus),
            "lastUpdatedDateTimeUtc": .string(lastUpdatedDateTimeUtc),
            "etag": .string(etag),
        ]
        if let payload { object["payload"] = payload }
        return .object(object)
    }

    /// The stored form: the JSON shape plus `operationId`.
    var storedJSON: JSONValue {
        var object = json.objectValue ?? [:]
        object["operationId"] = .string(operationId)
        return .object(object)
    }

    init(
        attestationType: String, enrollmentGroupId: String?, registrationId: String, createdDateTimeUtc: String, assignedHub: String,
        deviceId: String, lastUpdatedDateTimeUtc: String, etag: String, payload: JSONValue?, operationId: String
    ) {
        self.attestationType = attestationType
        self.enrollmentGroupId = enrollmentGroupId
        self.registrationId = registrationId
        self.createdDateTimeUtc = createdDateTimeUtc
        self.assignedHub = assignedHub
        self.deviceId = deviceId
        self.status = "assigned"
        self.substatus = "initialAssignment"
        self.lastUpdatedDateTimeUtc = lastUpdatedDateTimeUtc
        self.etag = etag
        self.payload = payload
        self.operationId = operationId
    }

    /// Reads the stored form.
    init(stored: JSONValue) throws(HubError) {
        let fields = try JSONFields(stored, path: "")
        let type = fields.value("x509") != nil ? "x509" : "symmetricKey"
        func required(_ key: String) throws(HubError) -> String {
            guard let value = try fields.string(key) else { throw HubError(.argumentInvalid, "\(key) is missing") }
            return value
        }
        self.init(
            attestationType: type,
            enrollmentGroupId: try fields.object(type)?.string("enrollmentGroupId"),
            registrationId: try required("registrationId"),
            createdDateTimeUtc: try required("createdDateTimeUtc"),
            assignedHub: try required("assignedHub"),
            deviceId: try required("deviceId"),
            lastUpdatedDateTimeUtc: try required("lastUpdatedDateTimeUtc"),
            etag: try required("etag"),
            payload: fields.value("payload"),
            operationId: try required("operationId"))
        status = try fields.string("status") ?? "assigned"
        substatus = try fields.string("substatus") ?? "initialAssignment"
    }
}
