import Foundation

/// The operations of identityd's API, each checked against the caller's uid (§4.1–§4.3).
extension IdentityService {
    /// The `type` query parameter: required, and one of `allowed`.
    static func checkType(_ type: String?, allowed: [String]) throws -> String {
        guard let type else { throw IdentityServiceError.invalidParameter("type", "missing parameter") }
        guard allowed.contains(type) else { throw IdentityServiceError.invalidParameter("type", "invalid type: \(type)") }
        return type
    }

    private func authorize(_ uid: UInt32, _ operation: IdentityOperation) throws -> Caller {
        let caller = authorization.caller(uid: uid)
        guard CallerAuthorization.isAllowed(caller, operation) else { throw IdentityServiceError.authorization }
        return caller
    }

    /// `GET /identities/identity`: the device identity for callers allowed to read it, else the caller's own module.
    public func callerIdentity(uid: UInt32) async throws -> Identity {
        let caller = authorization.caller(uid: uid)
        if CallerAuthorization.isAllowed(caller, .getDevice) {
            return try await deviceIdentityValue()
        }
        if case .hostProcess(let principal) = caller, CallerAuthorization.isAllowed(caller, .getModule(principal.name)) {
            return try await aziotModuleIdentity(principal.name)
        }
        throw IdentityServiceError.authorization
    }

    /// `POST /identities/device`.
    public func deviceIdentity(uid: UInt32) async throws -> Identity {
        _ = try authorize(uid, .getDevice)
        return try await deviceIdentityValue()
    }

    /// `GET /identities/modules?type=aziot`.
    public func moduleIdentities(uid: UInt32, type: String?) async throws -> [Identity] {
        _ = try authorize(uid, .getAllHubModules)
        _ = try Self.checkType(type, allowed: ["aziot"])
        return try await aziotModuleIdentities()
    }

    /// `POST /identities/modules`: an IoT Hub module identity, or a local identity for a module that is not a
    /// principal.
    public func createModuleIdentity(uid: UInt32, type: String?, moduleId: String, localIdOptions: LocalIdentityOptions?) async throws -> Identity {
        _ = try authorize(uid, .createModule(moduleId))
        switch try Self.checkType(type, allowed: ["aziot", "local"]) {
        case "aziot":
            try Self.checkModuleName(moduleId)
            let device = try requireDevice()
            return try await exclusively { try await createHubModule(moduleId, device: device) }
        default:
            if configuration.principals.contains(where: { $0.name == moduleId && $0.has(.local) }) {
                throw IdentityServiceError.invalidParameter("moduleId", "local identity for \(moduleId) already exists")
            }
            return try await issueLocalIdentity(moduleId, options: localIdOptions)
        }
    }

    /// `GET /identities/modules/{moduleId}?type=aziot|local`.
    public func moduleIdentity(uid: UInt32, type: String?, moduleId: String) async throws -> Identity {
        _ = try authorize(uid, .getModule(moduleId))
        switch try Self.checkType(type, allowed: ["aziot", "local"]) {
        case "aziot":
            return try await aziotModuleIdentity(moduleId)
        default:
            guard let principal = configuration.principals.first(where: { $0.name == moduleId && $0.has(.local) }) else {
                throw IdentityServiceError.invalidParameter("moduleId", "local identity for \(moduleId) doesn't exist")
            }
            return try await issueLocalIdentity(moduleId, options: principal.localIdOptions)
        }
    }

    /// `PUT /identities/modules/{moduleId}?type=aziot`: derives and uploads the module's keys again.
    public func updateModuleIdentity(uid: UInt32, type: String?, moduleId: String) async throws -> Identity {
        _ = try authorize(uid, .updateModule(moduleId))
        _ = try Self.checkType(type, allowed: ["aziot"])
        try Self.checkModuleName(moduleId)
        let device = try requireDevice()
        return try await exclusively { try await updateHubModule(moduleId, device: device) }
    }

    /// `DELETE /identities/modules/{moduleId}?type=aziot`.
    public func deleteModuleIdentity(uid: UInt32, type: String?, moduleId: String) async throws {
        _ = try authorize(uid, .deleteModule(moduleId))
        _ = try Self.checkType(type, allowed: ["aziot"])
        try Self.checkModuleName(moduleId)
        let device = try requireDevice()
        try await exclusively { try await deleteHubModule(moduleId, device: device) }
    }

    /// `POST /identities/device/reprovision`.
    public func reprovisionDevice(uid: UInt32) async throws {
        _ = try authorize(uid, .reprovisionDevice)
        try await reprovision(trigger: .api)
    }

    /// `GET /trust-bundle`: always empty, as the reference's stub.
    public func trustBundle(uid: UInt32) throws -> String {
        _ = try authorize(uid, .getTrustBundle)
        return ""
    }

    /// `GET /identities/provisioning` (no authorization, as in the reference).
    public func provisioningInfo() async throws -> ProvisioningInfo {
        switch configuration.provisioning.source {
        case .manual(let manual):
            switch manual.authentication {
            case .sas, .connectionString: return .manual(auth: "sas")
            case .x509: return .manual(auth: "x509")
            }
        case .none:
            return ProvisioningInfo.none
        case .dps(let dps):
            let auth: String
            let registrationId: String
            switch dps.attestation {
            case .symmetricKey(let id, _):
                (auth, registrationId) = ("symmetric_key", id)
            case .tpm(let id):
                (auth, registrationId) = ("tpm", id)
            case .x509(let subject, let cert, _, _):
                if let subject {
                    registrationId = subject.commonName
                } else {
                    let pem = try await internalError("could not create certificate") { try await certs.getCertificate(id: cert) }
                    registrationId = try Self.commonName(ofLeafIn: pem)
                }
                auth = "x509"
            }
            return .dps(
                auth: auth,
                endpoint: Self.normalizedURL(dps.globalEndpoint),
                scopeId: dps.scopeId,
                registrationId: registrationId,
                payload: try loadPayload(dps.payloadURI)
            )
        }
    }

    /// A URL as the reference's `url::Url` prints it: scheme and host lower-cased, an empty path written as `/`.
    static func normalizedURL(_ text: String) -> String {
        guard let schemeEnd = text.range(of: "://") else { return text }
        let scheme = text[..<schemeEnd.lowerBound].lowercased()
        let rest = text[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        let authority = rest[..<authorityEnd].lowercased()
        var tail = String(rest[authorityEnd...])
        if !tail.hasPrefix("/") { tail = "/" + tail }
        return "\(scheme)://\(authority)\(tail)"
    }
}
