import Crypto
import Foundation
import IoTHubProtocol
import Logging
import MQTTProtocol
import MQTTServer
import NIOSSL
import SwiftASN1
import X509

/// Checks a device's or module's CONNECT the way IoT Hub does: the client id names the identity, the user name is
/// `{host}/{clientId}/?api-version=…`, and the password is a SAS token for that identity signed with its primary or
/// secondary key, not expired; or, with no password, a client certificate whose SHA-1 or SHA-256 thumbprint is
/// registered for a self-signed identity, or a certificate chain that validates to one of `trustedCAs` (or to the
/// signing certificate of an X.509 DPS enrollment group, which the emulator's hub trusts as verified CAs) with the
/// device id as its common name for a CA-authenticated device. Disabled and unknown identities are refused (CONNACK 5).
struct DeviceAuthenticator: Sendable {
    let registry: HubRegistry
    /// Host names a token's audience may name (the hub's, plus aliases such as `localhost`).
    let hostNames: [String]
    let logger: Logger
    /// CA certificates that CA-authenticated devices' chains must validate to (IoT Hub's verified CAs).
    var trustedCAs: [Certificate] = []
    var now: @Sendable () -> Date = { Date() }

    func authenticate(_ request: MQTTConnectRequest) async -> MQTTAuthenticationResult<ClientIdentity> {
        let identity = Self.identity(fromClientID: request.clientID)
        guard let rawUsername = request.username else {
            return refuse(identity, "no user name; IoT Hub expects {host}/{clientId}/?api-version=…")
        }
        let username: MQTTUsername
        do {
            username = try MQTTUsername(parsing: rawUsername)
        } catch {
            return refuse(identity, "user name \"\(rawUsername)\" is malformed: \(error)", code: .badUsernameOrPassword)
        }
        guard username.deviceId == identity.deviceId, username.moduleId == identity.moduleId else {
            return refuse(identity, "user name names \(username.clientId), client id names \(identity.clientID)")
        }
        if let password = request.password, !password.isEmpty {
            return await authenticateToken(String(decoding: password, as: UTF8.self), identity: identity)
        }
        if !request.peerCertificates.isEmpty {
            return await authenticateCertificate(request.peerCertificates, identity: identity)
        }
        return refuse(identity, "neither a SAS token nor a client certificate was presented")
    }

    private func authenticateToken(_ token: String, identity: ClientIdentity) async -> MQTTAuthenticationResult<ClientIdentity> {
        let sas: SharedAccessSignature
        let audience: SASAudience
        do {
            sas = try SharedAccessSignature(parsing: token)
            audience = try sas.audience()
            try sas.checkExpiry(at: now())
        } catch {
            return refuse(identity, "SAS token refused: \(error)")
        }
        guard audience.hostMatches(anyOf: hostNames) else {
            return refuse(identity, "SAS token is for host \(audience.hostName), not \(hostNames.joined(separator: " or "))")
        }
        guard audience.authorizes(deviceId: identity.deviceId, moduleId: identity.moduleId) else {
            return refuse(identity, "SAS token is for \(audience.resource), not \(identity.clientID)")
        }
        // A module may present its own token or its device's (signed with the device's key).
        let keyOwner = ClientIdentity(deviceId: audience.deviceId, moduleId: audience.moduleId)
        guard let credentials = await credentials(of: identity, keysOf: keyOwner) else {
            return refuse(identity, "\(identity.clientID) is not registered or is disabled")
        }
        guard credentials.type == .sas, !credentials.keys.isEmpty else {
            return refuse(identity, "\(keyOwner.clientID) does not use SAS authentication")
        }
        do {
            try sas.verifySignature(keys: credentials.keys)
        } catch {
            return refuse(identity, "SAS token signature does not match the keys of \(keyOwner.clientID)")
        }
        return .accept(identity)
    }

    private func authenticateCertificate(_ chain: [NIOSSLCertificate], identity: ClientIdentity) async -> MQTTAuthenticationResult<ClientIdentity> {
        let certificate = chain[0]
        guard let credentials = await credentials(of: identity, keysOf: identity) else {
            return refuse(identity, "\(identity.clientID) is not registered or is disabled")
        }
        if credentials.type == .certificateAuthority {
            return await authenticateChain(chain, identity: identity)
        }
        guard credentials.type == .selfSigned else {
            return refuse(identity, "\(identity.clientID) does not use X.509 authentication")
        }
        guard let der = try? certificate.toDERBytes() else {
            return refuse(identity, "the client certificate cannot be read")
        }
        let validity = (certificate.notValidBefore, certificate.notValidAfter)
        let nowSeconds = time_t(now().timeIntervalSince1970)
        guard validity.0 <= nowSeconds, nowSeconds <= validity.1 else {
            return refuse(identity, "the client certificate is outside its validity period")
        }
        let sha1 = Insecure.SHA1.hash(data: der).map { String(format: "%02X", $0) }.joined()
        let sha256 = SHA256.hash(data: der).map { String(format: "%02X", $0) }.joined()
        let registered = credentials.thumbprints.map { $0.uppercased() }
        guard registered.contains(sha1) || registered.contains(sha256) else {
            return refuse(identity, "the client certificate's thumbprint is not registered for \(identity.clientID)")
        }
        return .accept(identity)
    }

    /// IoT Hub's CA authentication: the leaf's common name is the device id and the presented chain validates to a
    /// trusted CA at the current time.
    private func authenticateChain(_ chain: [NIOSSLCertificate], identity: ClientIdentity) async -> MQTTAuthenticationResult<ClientIdentity> {
        guard identity.moduleId == nil else {
            return refuse(identity, "CA authentication is for devices, not modules")
        }
        let roots = trustedCAs + (await registry.enrollmentGroupCertificates())
        guard !roots.isEmpty else {
            return refuse(identity, "no CA is trusted for device certificates; start the emulator with --device-ca")
        }
        guard let leaf = try? Certificate(derEncoded: chain[0].toDERBytes()) else {
            return refuse(identity, "the client certificate cannot be read")
        }
        let commonName = leaf.subject.flatMap { $0 }.first { $0.type == .RDNAttributeType.commonName }.map { "\($0.value)" }
        guard commonName == identity.deviceId else {
            return refuse(identity, "the client certificate is for \(commonName ?? "no common name"), not \(identity.deviceId)")
        }
        let intermediates = chain.dropFirst().compactMap { try? Certificate(derEncoded: $0.toDERBytes()) }
        var verifier = Verifier(rootCertificates: CertificateStore(roots)) { RFC5280Policy() }
        switch await verifier.validate(leaf: leaf, intermediates: CertificateStore(intermediates)) {
        case .validCertificate:
            return .accept(identity)
        case .couldNotValidate(let failures):
            return refuse(identity, "the client certificate chain does not validate to a trusted CA: \(failures.map { "\($0.policyFailureReason)" }.joined(separator: "; "))")
        }
    }

    /// What the registry holds for authenticating `identity` with the keys of `keyOwner` (the identity itself, or
    /// the module's device); nil when either is unknown or the device is disabled.
    private func credentials(of identity: ClientIdentity, keysOf keyOwner: ClientIdentity) async -> Credentials? {
        guard let device = try? await registry.device(identity.deviceId), device.status == .enabled else { return nil }
        if let moduleId = identity.moduleId {
            guard (try? await registry.module(deviceId: identity.deviceId, moduleId: moduleId)) != nil else { return nil }
        }
        let authentication: AuthenticationMechanism
        if let moduleId = keyOwner.moduleId {
            guard let module = try? await registry.module(deviceId: keyOwner.deviceId, moduleId: moduleId) else { return nil }
            authentication = module.authentication
        } else {
            authentication = device.authentication
        }
        return Credentials(
            type: authentication.type,
            keys: [authentication.symmetricKey.primaryKey, authentication.symmetricKey.secondaryKey].compactMap { $0 },
            thumbprints: [authentication.x509Thumbprint.primaryThumbprint, authentication.x509Thumbprint.secondaryThumbprint].compactMap { $0 }
        )
    }

    private struct Credentials {
        var type: AuthenticationType
        var keys: [String]
        var thumbprints: [String]
    }

    private func refuse(_ identity: ClientIdentity, _ reason: String, code: ConnectReturnCode = .notAuthorized) -> MQTTAuthenticationResult<ClientIdentity> {
        logger.info("refusing \(identity.clientID): \(reason)")
        return .refuse(code)
    }

    /// `{deviceId}` or `{deviceId}/{moduleId}`.
    static func identity(fromClientID clientID: String) -> ClientIdentity {
        guard let slash = clientID.firstIndex(of: "/") else { return ClientIdentity(deviceId: clientID) }
        return ClientIdentity(deviceId: String(clientID[..<slash]), moduleId: String(clientID[clientID.index(after: slash)...]))
    }
}
