public import IoTHubProtocol

/// A DPS individual enrollment (`IndividualEnrollment`): one device, known by its registration id, with its own
/// symmetric keys or X.509 certificate(s).
///
/// JSON members: `registrationId`, `deviceId` (the hub device id to create; the registration id when absent),
/// `attestation` (see ``EnrollmentAttestation``), `capabilities` (`{"iotEdge": Bool}`), `iotHubHostName`,
/// `initialTwin` (`{"tags", "properties": {"desired"}}`), `provisioningStatus`, `reprovisionPolicy`,
/// `allocationPolicy`, `iotHubs`, `etag`, `createdDateTimeUtc`, `lastUpdatedDateTimeUtc`. The service owns the etag
/// and the times; the emulator assigns every device to its own hub.
public struct IndividualEnrollment: Sendable, Hashable {
    /// The registration id (case-insensitive; for X.509, the certificate's common name).
    public var registrationId: String
    /// The device id to create in the hub (the registration id when nil).
    public var deviceId: String?
    /// How the device attests.
    public var attestation: EnrollmentAttestation
    /// Whether the device is an IoT Edge device.
    public var capabilities: DeviceCapabilities
    /// Tags and desired properties the device twin starts with, in `replaceTwin`'s shape.
    public var initialTwin: JSONValue?
    /// Whether the device may register.
    public var provisioningStatus: ProvisioningStatus
    /// Changes on every update.
    public var etag: String?
    /// When the enrollment was created (IoT Hub timestamp).
    public var createdDateTimeUtc: String?
    /// When the enrollment last changed.
    public var lastUpdatedDateTimeUtc: String?

    /// Creates an enrollment (enabled, not edge, no initial twin).
    public init(
        registrationId: String, deviceId: String? = nil, attestation: EnrollmentAttestation,
        capabilities: DeviceCapabilities = DeviceCapabilities(), initialTwin: JSONValue? = nil,
        provisioningStatus: ProvisioningStatus = .enabled
    ) {
        self.registrationId = registrationId
        self.deviceId = deviceId
        self.attestation = attestation
        self.capabilities = capabilities
        self.initialTwin = initialTwin
        self.provisioningStatus = provisioningStatus
    }

    /// Reads DPS's JSON shape (a request body or the stored document). `registrationId` and `attestation` are
    /// required; members of the wrong type are `ArgumentInvalid`.
    public init(json: JSONValue) throws(HubError) {
        let fields = try JSONFields(json, path: "")
        guard let registrationId = try fields.string("registrationId") else {
            throw HubError(.argumentInvalid, "registrationId is missing")
        }
        guard let attestation = fields.value("attestation") else {
            throw HubError(.argumentInvalid, "attestation is missing")
        }
        self.init(
            registrationId: registrationId,
            deviceId: try fields.string("deviceId"),
            attestation: try EnrollmentAttestation(json: attestation, certificatesMember: Self.certificatesMember),
            capabilities: try fields.value("capabilities").map { (value) throws(HubError) in try DeviceCapabilities(json: value) }
                ?? DeviceCapabilities(),
            initialTwin: try EnrollmentRules.initialTwin(fields),
            provisioningStatus: try EnrollmentRules.provisioningStatus(fields))
        etag = try fields.string("etag")
        createdDateTimeUtc = try fields.string("createdDateTimeUtc")
        lastUpdatedDateTimeUtc = try fields.string("lastUpdatedDateTimeUtc")
    }

    /// The member holding an individual enrollment's X.509 certificates.
    static let certificatesMember = "clientCertificates"

    /// The hub device id the registration creates.
    public var assignedDeviceId: String { deviceId ?? registrationId }

    /// DPS's JSON shape. `iotHubHostName` names the hub devices are assigned to; with `includeCertificates` the
    /// PEM certificates are included (the stored form), otherwise only their `info`.
    public func json(iotHubHostName: String?, includeCertificates: Bool = false) -> JSONValue {
        var object: JSONObject = [
            "registrationId": .string(registrationId),
            "deviceId": .optional(deviceId),
            "attestation": attestation.json(certificatesMember: Self.certificatesMember, includeCertificates: includeCertificates),
            "capabilities": capabilities.json,
        ]
        if let iotHubHostName {
            object["iotHubHostName"] = .string(iotHubHostName)
            object["iotHubs"] = [.string(iotHubHostName)]
            object["allocationPolicy"] = "hashed"
        }
        if let initialTwin { object["initialTwin"] = initialTwin }
        object["etag"] = .optional(etag)
        object["provisioningStatus"] = .string(provisioningStatus.rawValue)
        object["reprovisionPolicy"] = EnrollmentRules.reprovisionPolicy
        object["createdDateTimeUtc"] = .optional(createdDateTimeUtc)
        object["lastUpdatedDateTimeUtc"] = .optional(lastUpdatedDateTimeUtc)
        return .object(object)
    }
}
