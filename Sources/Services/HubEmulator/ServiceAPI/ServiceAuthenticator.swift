import Foundation
import IoTHubProtocol
import X509

/// Checks a service request's credentials the way IoT Hub does.
///
/// - `Authorization: SharedAccessSignature sr=…&sig=…&se=…&skn=…`: the policy named by `skn` exists, the token is
///   for this hub (or `dpsHostName`, for the enrollment API), not expired, and signed with one of the policy's keys.
/// - The same without `skn`, for `{hub}/devices/{deviceId}`: a device token, signed with the primary or secondary key
///   of that enabled SAS device, accepted only for the device's own module-identity routes.
/// - No Authorization header on such a route: the device's TLS client certificate — its registered thumbprint
///   (self-signed) or a chain to a trusted CA with the device id as common name (CA-authenticated).
///
/// Every refusal is IoT Hub's 401 `IotHubUnauthorizedAccess`, with a message saying why.
struct ServiceAuthenticator: Sendable {
    let policies: [SharedAccessPolicy]
    /// The hub's host names (token audiences).
    let hostNames: [String]
    /// DPS's host name, also accepted in policy tokens (the enrollment API's audience).
    var dpsHostName: String?
    let registry: HubRegistry
    /// CA certificates for CA-authenticated devices (besides those of X.509 enrollment groups).
    var trustedCAs: [Certificate] = []
    var now: @Sendable () -> Date = { Date() }

    /// - Parameters:
    ///   - deviceScope: the device whose module identities the request addresses, if it is such a route.
    ///   - peerCertificates: the TLS client chain, read only when needed.
    func authenticate(
        authorization: String?, deviceScope: String?, peerCertificates: () async -> [Certificate]
    ) async throws(HubError) -> ServiceCaller {
        guard let authorization, !authorization.isEmpty else {
            if let deviceScope {
                let chain = await peerCertificates()
                if !chain.isEmpty { return try await authenticateCertificate(chain, deviceId: deviceScope) }
            }
            throw Self.refuse("the request has no Authorization header; sign it with a shared access policy key")
        }
        let token: SharedAccessSignature
        do {
            token = try SharedAccessSignature(parsing: authorization)
            try token.checkExpiry(at: now())
        } catch {
            throw Self.refuse("SAS token refused: \(error)")
        }
        if token.keyName == nil {
            return try await authenticateDeviceToken(token, deviceScope: deviceScope)
        }
        return try authenticatePolicy(token)
    }

    private func authenticatePolicy(_ token: SharedAccessSignature) throws(HubError) -> ServiceCaller {
        guard let keyName = token.keyName, let policy = policies.first(where: { $0.name == keyName }) else {
            throw Self.refuse("no shared access policy named \(token.keyName ?? "(none)")")
        }
        let resource = (try? PercentEncoding.decode(token.resource)) ?? token.resource
        let host = resource.split(separator: "/").first.map(String.init) ?? resource
        let audiences = hostNames + (dpsHostName.map { [$0] } ?? [])
        guard audiences.contains(where: { $0.caseInsensitiveCompare(host) == .orderedSame }) else {
            throw Self.refuse("the token is for \(host), not for this hub (\(audiences.joined(separator: ", ")))")
        }
        do {
            try token.verifySignature(keys: [policy.primaryKey, policy.secondaryKey])
        } catch {
            throw Self.refuse("the token's signature does not match policy \(policy.name)")
        }
        return .policy(policy.name)
    }

    private func authenticateDeviceToken(_ token: SharedAccessSignature, deviceScope: String?) async throws(HubError) -> ServiceCaller {
        let audience: SASAudience
        do {
            audience = try token.audience()
        } catch {
            throw Self.refuse("a token without skn must be a device token for {hub}/devices/{deviceId}: \(error)")
        }
        guard audience.moduleId == nil else {
            throw Self.refuse("a module token cannot call the service API")
        }
        guard audience.hostMatches(anyOf: hostNames) else {
            throw Self.refuse("the token is for \(audience.hostName), not for this hub (\(hostNames.joined(separator: ", ")))")
        }
        guard let deviceScope, deviceScope.lowercased() == audience.deviceId.lowercased() else {
            throw Self.refuse(
                "a device token (\(audience.deviceId)) only grants access to that device's module identities (/devices/{deviceId}/modules[/{moduleId}])")
        }
        let device = try await enabledDevice(deviceScope)
        guard device.authentication.type == .sas else {
            throw Self.refuse("\(deviceScope) does not use SAS authentication")
        }
        let keys = [device.authentication.symmetricKey.primaryKey, device.authentication.symmetricKey.secondaryKey].compactMap { $0 }
        guard (try? token.verifySignature(keys: keys)) != nil else {
            throw Self.refuse("the token's signature does not match the keys of \(deviceScope)")
        }
        return .device(deviceScope)
    }

    private func authenticateCertificate(_ chain: [Certificate], deviceId: String) async throws(HubError) -> ServiceCaller {
        let device = try await enabledDevice(deviceId)
        let leaf = chain[0]
        guard CertificateChecks.isValid(leaf, at: now()) else {
            throw Self.refuse("the client certificate is outside its validity period")
        }
        switch device.authentication.type {
        case .selfSigned:
            let thumbprints = CertificateChecks.thumbprints(of: leaf)
            let registered = [device.authentication.x509Thumbprint.primaryThumbprint, device.authentication.x509Thumbprint.secondaryThumbprint]
                .compactMap { $0?.uppercased() }
            guard registered.contains(thumbprints.sha1) || registered.contains(thumbprints.sha256) else {
                throw Self.refuse("the client certificate's thumbprint is not registered for \(deviceId)")
            }
        case .certificateAuthority:
            let commonName = CertificateChecks.commonName(of: leaf)
            guard commonName == deviceId else {
                throw Self.refuse("the client certificate is for \(commonName ?? "no common name"), not \(deviceId)")
            }
            let roots = trustedCAs + (await registry.enrollmentGroupCertificates())
            if let failure = await CertificateChecks.validate(leaf: leaf, intermediates: Array(chain.dropFirst()), roots: roots) {
                throw Self.refuse("the client certificate does not chain to a trusted CA: \(failure)")
            }
        case .sas, .none:
            throw Self.refuse("\(deviceId) does not use X.509 authentication")
        }
        return .device(deviceId)
    }

    private func enabledDevice(_ deviceId: String) async throws(HubError) -> DeviceIdentity {
        guard let device = try? await registry.device(deviceId), device.status == .enabled else {
            throw Self.refuse("\(deviceId) is not registered or is disabled")
        }
        return device
    }

    private static func refuse(_ reason: String) -> HubError {
        HubError(.iotHubUnauthorizedAccess, reason)
    }
}
