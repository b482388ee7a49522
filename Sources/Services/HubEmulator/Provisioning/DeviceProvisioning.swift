import Foundation
public import IoTHubProtocol
public import Logging
public import X509

/// The device side of the emulator's Device Provisioning Service: attestation against the stored enrollments and
/// assignment to the emulator's own hub.
///
/// Attestation, as DPS does it:
/// - **symmetric key**: `Authorization: SharedAccessSignature sr={idScope}/registrations/{registrationId}&sig=…&se=…&skn=registration`
///   (audience compared case-insensitively, not expired), signed with the individual enrollment's primary or secondary
///   key or, when there is no individual enrollment, with a key derived from a symmetric-key group's primary or
///   secondary key (``GroupKeyDerivation``);
/// - **X.509**: no Authorization header and a TLS client certificate whose common name is the registration id and
///   that is either one of the individual enrollment's certificates or chains to an X.509 group's signing
///   certificate (intermediates the client presents are used).
///
/// An individual enrollment takes precedence over groups. Every refusal (wrong id scope, unknown registration, bad
/// signature, expired token, wrong certificate, disabled enrollment) is DPS's `401` `Unauthorized` (401002); the
/// message says which check failed.
///
/// Assignment creates the hub device (or updates the existing one) with the enrollment's credentials — the
/// individual keys, the keys derived from the group's, the individual certificates' thumbprints, or CA
/// authentication for an X.509 group — and the IoT Edge capability; a device created here starts with the
/// enrollment's initial twin. The registration is complete when ``register(idScope:registrationId:body:credentials:)``
/// returns, so the first poll of the operation already answers `assigned`.
public struct DeviceProvisioning: Sendable {
    /// What a device presented: the `Authorization` header and the TLS client certificate chain (leaf first).
    public struct Credentials: Sendable {
        public var authorization: String?
        public var certificates: [Certificate]

        public init(authorization: String?, certificates: [Certificate] = []) {
            self.authorization = authorization
            self.certificates = certificates
        }
    }

    /// A registration operation: its id, `assigning` or `assigned`, and the registration once assigned.
    public struct Operation: Sendable {
        public var operationId: String
        public var status: String
        public var registrationState: DeviceRegistrationState?

        /// `{"operationId", "status"[, "registrationState"]}`.
        public var json: JSONValue {
            var object: JSONObject = ["operationId": .string(operationId), "status": .string(status)]
            if let registrationState { object["registrationState"] = registrationState.json }
            return .object(object)
        }
    }

    /// The enrollment an attestation matched, and the credentials the hub device gets.
    struct Attestation {
        var attestationType: String
        var enrollmentGroupId: String?
        var deviceId: String
        var capabilities: DeviceCapabilities
        var initialTwin: JSONValue?
        var authentication: AuthenticationMechanism
    }

    let registry: HubRegistry
    /// The id scope devices must use.
    public let idScope: String
    /// The hub devices are assigned to (`assignedHub`).
    public let hubHostName: String
    let logger: Logger
    var now: @Sendable () -> Date = { Date() }

    public init(registry: HubRegistry, idScope: String, hubHostName: String, logger: Logger) {
        self.registry = registry
        self.idScope = idScope
        self.hubHostName = hubHostName
        self.logger = logger
    }

    // MARK: Operations

    /// `PUT /{idScope}/registrations/{registrationId}/register`: attests, assigns and returns the operation
    /// (`assigning`, as DPS's 202 answer; polling it answers `assigned`). `body` is
    /// `{"registrationId", "payload"?}`; the payload is echoed in the registration state.
    public func register(idScope: String, registrationId: String, body: JSONValue, credentials: Credentials) async throws(HubError)
        -> Operation
    {
        let fields = try JSONFields(body, path: "")
        if let bodyId = try fields.string("registrationId"), bodyId.lowercased() != registrationId.lowercased() {
            throw HubError(.argumentInvalid, "the body's registrationId '\(bodyId)' differs from the path's '\(registrationId)'")
        }
        if fields.value("tpm") != nil {
            throw HubError(.argumentInvalid, "TPM attestation is not supported by the emulator; use a symmetric key or X.509")
        }
        let attestation = try await attest(idScope: idScope, registrationId: registrationId, credentials: credentials)
        try await assign(attestation)
        let time = HubTimestamp.string(from: now())
        let previous = try await registry.registrationState(registrationId: registrationId)
        let state = DeviceRegistrationState(
            attestationType: attestation.attestationType,
            enrollmentGroupId: attestation.enrollmentGroupId,
            registrationId: previous?.registrationId ?? registrationId,
            createdDateTimeUtc: previous?.createdDateTimeUtc ?? time,
            assignedHub: hubHostName,
            deviceId: attestation.deviceId,
            lastUpdatedDateTimeUtc: time,
            etag: EnrollmentRules.newETag(),
            payload: fields.value("payload"),
            operationId: Self.newOperationId())
        try await registry.saveRegistrationState(state)
        logger.info(
            "device registered with DPS",
            metadata: [
                "registrationId": "\(registrationId)", "deviceId": "\(attestation.deviceId)",
                "enrollment": "\(attestation.enrollmentGroupId.map { "group \($0)" } ?? "individual")",
                "attestation": "\(attestation.attestationType)",
            ])
        return Operation(operationId: state.operationId, status: "assigning", registrationState: nil)
    }

    /// `GET /{idScope}/registrations/{registrationId}/operations/{operationId}`: the device's last registration
    /// operation (the same attestation is required). `OperationNotFound` (404) for another operation id.
    public func operationStatus(idScope: String, registrationId: String, operationId: String, credentials: Credentials) async throws(HubError)
        -> Operation
    {
        _ = try await attest(idScope: idScope, registrationId: registrationId, credentials: credentials)
        guard let state = try await registry.registrationState(registrationId: registrationId), state.operationId == operationId else {
            throw HubError(.operationNotFound, "No registration operation '\(operationId)' for '\(registrationId)'.")
        }
        return Operation(operationId: operationId, status: state.status, registrationState: state)
    }

    /// `POST /{idScope}/registrations/{registrationId}`: the device's registration (the same attestation is
    /// required). `DeviceRegistrationNotFound` (404) if it never registered.
    public func registrationStatus(idScope: String, registrationId: String, credentials: Credentials) async throws(HubError)
        -> DeviceRegistrationState
    {
        _ = try await attest(idScope: idScope, registrationId: registrationId, credentials: credentials)
        guard let state = try await registry.registrationState(registrationId: registrationId) else {
            throw HubError(.registrationNotFound, "'\(registrationId)' has not registered.")
        }
        return state
    }

    // MARK: Attestation

    /// Finds the enrollment that `credentials` prove `registrationId` belongs to (see the type's documentation);
    /// refusals are logged with their reason.
    func attest(idScope: String, registrationId: String, credentials: Credentials) async throws(HubError) -> Attestation {
        do {
            return try await findEnrollment(idScope: idScope, registrationId: registrationId, credentials: credentials)
        } catch {
            logger.info("DPS refused \(registrationId): \(error.message)")
            throw error
        }
    }

    private func findEnrollment(idScope: String, registrationId: String, credentials: Credentials) async throws(HubError) -> Attestation {
        guard idScope.lowercased() == self.idScope.lowercased() else {
            throw Self.unauthorized("the id scope '\(idScope)' is not this provisioning service's ('\(self.idScope)')")
        }
        try EnrollmentRules.validate(id: registrationId, kind: "registration id")
        if let authorization = credentials.authorization, !authorization.isEmpty {
            return try await attestToken(authorization, idScope: idScope, registrationId: registrationId)
        }
        if let leaf = credentials.certificates.first {
            return try await attestCertificate(leaf, intermediates: Array(credentials.certificates.dropFirst()), registrationId: registrationId)
        }
        throw Self.unauthorized("neither a SAS token (Authorization header) nor a TLS client certificate was presented")
    }

    private func attestToken(_ authorization: String, idScope: String, registrationId: String) async throws(HubError) -> Attestation {
        let token: SharedAccessSignature
        let audience: String
        do {
            token = try SharedAccessSignature(parsing: authorization)
            audience = try PercentEncoding.decode(token.resource)
            try token.checkExpiry(at: now())
        } catch {
            throw Self.unauthorized("SAS token refused: \(error)")
        }
        if let keyName = token.keyName, keyName != "registration" {
            throw Self.unauthorized("a device registration token has skn=registration, not skn=\(keyName)")
        }
        let expected = "\(idScope)/registrations/\(registrationId)"
        guard audience.lowercased() == expected.lowercased() else {
            throw Self.unauthorized("the token is for '\(audience)', not '\(expected)'")
        }
        if let enrollment = try await registry.enrollmentIfPresent(registrationId: registrationId) {
            guard case .symmetricKey = enrollment.attestation else {
                throw Self.unauthorized("the enrollment of '\(registrationId)' uses X.509; present its certificate instead of a token")
            }
            guard (try? token.verifySignature(keys: enrollment.attestation.keys)) != nil else {
                throw Self.unauthorized("the token's signature does not match the keys of the enrollment of '\(registrationId)'")
            }
            try Self.checkEnabled(enrollment.provisioningStatus, "the individual enrollment of '\(registrationId)'")
            return Attestation(
                attestationType: "symmetricKey", enrollmentGroupId: nil, deviceId: enrollment.assignedDeviceId,
                capabilities: enrollment.capabilities, initialTwin: enrollment.initialTwin,
                authentication: .sas(primaryKey: enrollment.attestation.keys.first, secondaryKey: enrollment.attestation.keys.last))
        }
        for group in try await registry.enrollmentGroups(attestationType: "symmetricKey") {
            let deviceKeys = group.attestation.keys.compactMap { GroupKeyDerivation.deviceKey(groupKey: $0, registrationId: registrationId) }
            guard deviceKeys.count == 2, (try? token.verifySignature(keys: deviceKeys)) != nil else { continue }
            try Self.checkEnabled(group.provisioningStatus, "enrollment group '\(group.enrollmentGroupId)'")
            return Attestation(
                attestationType: "symmetricKey", enrollmentGroupId: group.enrollmentGroupId, deviceId: registrationId,
                capabilities: group.capabilities, initialTwin: group.initialTwin,
                authentication: .sas(primaryKey: deviceKeys[0], secondaryKey: deviceKeys[1]))
        }
        throw Self.unauthorized(
            "no individual enrollment for '\(registrationId)' and no symmetric-key enrollment group whose derived key signed the token")
    }

    private func attestCertificate(_ leaf: Certificate, intermediates: [Certificate], registrationId: String) async throws(HubError)
        -> Attestation
    {
        let commonName = CertificateChecks.commonName(of: leaf)
        guard commonName?.lowercased() == registrationId.lowercased() else {
            throw Self.unauthorized("the client certificate is for '\(commonName ?? "no common name")', not '\(registrationId)'")
        }
        let time = now()
        guard CertificateChecks.isValid(leaf, at: time) else {
            throw Self.unauthorized("the client certificate is outside its validity period")
        }
        if let enrollment = try await registry.enrollmentIfPresent(registrationId: registrationId) {
            guard case .x509 = enrollment.attestation else {
                throw Self.unauthorized("the enrollment of '\(registrationId)' uses a symmetric key; sign a SAS token instead")
            }
            let registered = enrollment.attestation.certificates
            let presented = CertificateChecks.der(leaf)
            guard registered.contains(where: { CertificateChecks.der($0) == presented }) else {
                throw Self.unauthorized("the client certificate is not one of the enrollment of '\(registrationId)'")
            }
            try Self.checkEnabled(enrollment.provisioningStatus, "the individual enrollment of '\(registrationId)'")
            let thumbprints = registered.map { CertificateChecks.thumbprints(of: $0).sha256 }
            return Attestation(
                attestationType: "x509", enrollmentGroupId: nil, deviceId: enrollment.assignedDeviceId,
                capabilities: enrollment.capabilities, initialTwin: enrollment.initialTwin,
                authentication: .selfSigned(primaryThumbprint: thumbprints[0], secondaryThumbprint: thumbprints.dropFirst().first))
        }
        var reasons: [String] = []
        for group in try await registry.enrollmentGroups(attestationType: "x509") {
            let roots = group.attestation.certificates
            if let failure = await CertificateChecks.validate(leaf: leaf, intermediates: intermediates, roots: roots) {
                reasons.append("\(group.enrollmentGroupId): \(failure)")
                continue
            }
            try Self.checkEnabled(group.provisioningStatus, "enrollment group '\(group.enrollmentGroupId)'")
            return Attestation(
                attestationType: "x509", enrollmentGroupId: group.enrollmentGroupId, deviceId: registrationId,
                capabilities: group.capabilities, initialTwin: group.initialTwin, authentication: .certificateAuthority)
        }
        throw Self.unauthorized(
            "no individual enrollment for '\(registrationId)' and no X.509 enrollment group its certificate chains to"
                + (reasons.isEmpty ? "" : " (\(reasons.joined(separator: "; ")))"))
    }

    // MARK: Assignment

    /// Creates the hub device, or brings an existing one in line with the enrollment (credentials, edge capability).
    private func assign(_ attestation: Attestation) async throws(HubError) {
        var device = DeviceIdentity(
            deviceId: attestation.deviceId, authentication: attestation.authentication, capabilities: attestation.capabilities)
        do {
            _ = try await registry.createOrUpdateDevice(device, ifMatch: nil)
            if let initialTwin = attestation.initialTwin {
                _ = try await registry.replaceTwin(deviceId: attestation.deviceId, moduleId: nil, twin: initialTwin, ifMatch: nil)
            }
            return
        } catch where error.code == .deviceAlreadyExists {
            // Registered before (or created by hand): keep its status, scopes and twin.
        }
        let existing = try await registry.device(attestation.deviceId)
        device = existing
        device.authentication = attestation.authentication
        device.capabilities = attestation.capabilities
        _ = try await registry.createOrUpdateDevice(device, ifMatch: "*")
    }

    // MARK: Helpers

    static func unauthorized(_ reason: String) -> HubError {
        HubError(.provisioningUnauthorized, "Unauthorized: \(reason)")
    }

    private static func checkEnabled(_ status: ProvisioningStatus, _ what: String) throws(HubError) {
        guard status == .enabled else { throw unauthorized("\(what) is disabled") }
    }

    /// An operation id in DPS's look: `4.{16 hex digits}.{uuid}`.
    static func newOperationId() -> String {
        let hex = String(UInt64.random(in: 0 ... .max), radix: 16)
        return "4.\(String(repeating: "0", count: 16 - hex.count))\(hex).\(UUID().uuidString.lowercased())"
    }
}
