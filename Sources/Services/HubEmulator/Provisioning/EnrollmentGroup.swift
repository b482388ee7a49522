public import IoTHubProtocol

/// A DPS enrollment group (`EnrollmentGroup`): any number of devices sharing one attestation. With symmetric keys,
/// each device signs with a key derived from the group key and its registration id (``GroupKeyDerivation``); with
/// X.509, each device presents a certificate that chains to the group's signing (CA or intermediate) certificate and
/// whose common name is its registration id. The hub device id is the registration id.
///
/// JSON members: `enrollmentGroupId`, `attestation`, `capabilities`, `iotHubHostName`, `initialTwin`,
/// `provisioningStatus`, `reprovisionPolicy`, `allocationPolicy`, `iotHubs`, `etag`, `createdDateTimeUtc`,
/// `lastUpdatedDateTimeUtc`.
public struct EnrollmentGroup: Sendable, Hashable {
    /// The group's id (case-insensitive).
    public var enrollmentGroupId: String
    /// How the group's devices attest.
    public var attestation: EnrollmentAttestation
    /// Whether the group's devices are IoT Edge devices.
    public var capabilities: DeviceCapabilities
    /// Tags and desired properties each device twin starts with, in `replaceTwin`'s shape.
    public var initialTwin: JSONValue?
    /// Whether the group's devices may register.
    public var provisioningStatus: ProvisioningStatus
    /// Changes on every update.
    public var etag: String?
    /// When the group was created (IoT Hub timestamp).
    public var createdDateTimeUtc: String?
    /// When the group last changed.
    public var lastUpdatedDateTimeUtc: String?

    /// Creates a group (enabled, not edge, no initial twin).
    public init(
        enrollmentGroupId: String, attestation: EnrollmentAttestation, capabilities: DeviceCapabilities = DeviceCapabilities(),
        initialTwin: JSONValue? = nil, provisioningStatus: ProvisioningStatus = .enabled
    ) {
        self.enrollmentGroupId = enrollmentGroupId
        self.attestation = attestation
        self.capabilities = capabilities
        self.initialTwin = initialTwin
        self.provisioningStatus = provisioningStatus
    }

    /// Reads DPS's JSON shape; `enrollmentGroupId` and `attestation` are required.
    public init(json: JSONValue) throws(HubError) {
        let fields = try JSONFields(json, path: "")
        guard let enrollmentGroupId = try fields.string("enrollmentGroupId") else {
            throw HubError(.argumentInvalid, "enrollmentGroupId is missing")
        }
        guard let attestation = fields.value("attestation") else {
            throw HubError(.argumentInvalid, "attestation is missing")
        }
        self.init(
            enrollmentGroupId: enrollmentGroupId,
            attestation: try EnrollmentAttestation(json: attestation, certificatesMember: Self.certificatesMember),
            capabilities: try fields.value("capabilities").map { (value) throws(HubError) in try DeviceCapabilities(json: value) }
                ?? DeviceCapabilities(),
            initialTwin: try EnrollmentRules.initialTwin(fields),
            provisioningStatus: try EnrollmentRules.provisioningStatus(fields))
        etag = try fields.string("etag")
        createdDateTimeUtc = try fields.string("createdDateTimeUtc")
        lastUpdatedDateTimeUtc = try fields.string("lastUpdatedDateTimeUtc")
    }

    /// The member holding a group's X.509 certificates.
    static let certificatesMember = "signingCertificates"

    /// DPS's JSON shape (see ``IndividualEnrollment/json(iotHubHostName:includeCertificates:)``).
    public func json(iotHubHostName: String?, includeCertificates: Bool = false) -> JSONValue {
        var object: JSONObject = [
            "enrollmentGroupId": .string(enrollmentGroupId),
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
