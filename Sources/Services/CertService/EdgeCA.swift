public import AziotClients
public import AziotConfig
public import Foundation
public import Logging
import NIOHTTP1
import SwiftASN1
public import X509

/// The Edge CA of an IoT Edge device: the CA that signs every module's server and identity certificate. Its key
/// pair lives in keyd and its certificate in certd; certd's `cert_issuance` decides how it is issued (the
/// "quickstart" is a self-signed CA valid 90 days). Used by aziot-edged at start-up and by its renewal loop.
///
/// Renewal follows the reference: a new key pair `<key>-temp` (when `rotate_key`), a certificate issued under
/// `<cert>-temp`, imported under the real id, then the temporary key moved over the real one.
public struct EdgeCA: Sendable {
    public var certId: String
    public var keyId: String
    /// The subject of a new CA: `CN=aziot-edge CA <deviceId>` unless configured.
    public var subject: DistinguishedName
    public var renewal: AutoRenewConfig
    let keys: KeyClient
    let certs: CertClient
    let logger: Logger
    let now: @Sendable () -> Date

    public static let defaultId = "aziot-edged-ca"

    public init(
        deviceId: String,
        keys: KeyClient,
        certs: CertClient,
        certId: String = EdgeCA.defaultId,
        keyId: String = EdgeCA.defaultId,
        subject: DistinguishedName? = nil,
        renewal: AutoRenewConfig = .default,
        logger: Logger,
        now: @escaping @Sendable () -> Date = { Date() }
    ) throws {
        self.certId = certId
        self.keyId = keyId
        self.subject = try subject ?? DistinguishedName { CommonName(CertificateIssuer.truncatedCommonName("aziot-edge CA \(deviceId)")) }
        self.renewal = renewal
        self.keys = keys
        self.certs = certs
        self.logger = logger
        self.now = now
    }

    /// The CA as it stands: certificate chain and key handle.
    public struct Current: Sendable {
        public var chainPEM: String
        public var certificate: Certificate
        public var keyHandle: KeyHandle
    }

    /// Makes sure a usable CA exists: creates key and certificate when missing, re-issues when the certificate does
    /// not belong to the key, renews when due. Returns the CA and whether it changed.
    public func ensure() async throws -> (ca: Current, changed: Bool) {
        let key = try await keys.createKeyPair(id: keyId, preferredAlgorithms: "rsa-2048:*")
        guard let existing = try await currentChain() else {
            logger.info("Creating the Edge CA certificate \(certId)")
            return (try await issue(into: certId, key: key), true)
        }
        let certificate = existing.certificate
        let publicKey = try await KeydPrivateKey.load(handle: key, client: keys).publicKey
        if certificate.publicKey != publicKey {
            logger.warning("The Edge CA certificate \(certId) does not match key \(keyId); issuing it again")
            return (try await issue(into: certId, key: key), true)
        }
        if renewal.shouldRenew(notBefore: certificate.notValidBefore, notAfter: certificate.notValidAfter, now: now()) {
            return (try await renew(), true)
        }
        return (Current(chainPEM: existing.pem, certificate: certificate, keyHandle: key), false)
    }

    /// When the current certificate is due for renewal (now if it is already due).
    public func nextRenewal(of certificate: Certificate) -> Date {
        renewal.nextRenewal(notBefore: certificate.notValidBefore, notAfter: certificate.notValidAfter, now: now())
    }

    /// Issues a new certificate (with a new key pair when `rotate_key`) and puts it in place of the current one.
    public func renew() async throws -> Current {
        let tempCert = certId + "-temp"
        var key = try await keys.loadKeyPair(id: keyId)
        if renewal.rotateKey {
            let tempKey = keyId + "-temp"
            if let stale = try? await keys.loadKeyPair(id: tempKey) { try await keys.deleteKeyPair(stale) }
            key = try await keys.createKeyPair(id: tempKey, preferredAlgorithms: "rsa-2048:*")
        }
        let issued = try await issue(into: tempCert, key: key)
        _ = try await certs.importCertificate(id: certId, pem: issued.chainPEM)
        if renewal.rotateKey {
            try await keys.moveKeyPair(from: keyId + "-temp", to: keyId)
            key = try await keys.loadKeyPair(id: keyId)
        }
        try? await certs.deleteCertificate(id: tempCert)
        logger.info("Edge CA renewed")
        return Current(chainPEM: issued.chainPEM, certificate: issued.certificate, keyHandle: key)
    }

    /// Asks certd to issue `id` for `key` with the CA's subject and extensions.
    private func issue(into id: String, key: KeyHandle) async throws -> Current {
        let signer = try await KeydPrivateKey.load(handle: key, client: keys)
        var extensions = Certificate.Extensions()
        try extensions.append(Certificate.Extension(BasicConstraints.isCertificateAuthority(maxPathLength: 0), critical: true))
        try extensions.append(Certificate.Extension(KeyUsage(digitalSignature: true, keyCertSign: true), critical: true))
        var attributes = CertificateSigningRequest.Attributes()
        attributes.insert(try CertificateSigningRequest.Attribute(ExtensionRequest(extensions: extensions)))
        let csr = try await CertificateSigningRequest(
            version: .v1,
            subject: subject,
            asyncPrivateKey: Certificate.PrivateKey(signer),
            attributes: attributes,
            signatureAlgorithm: signer.defaultSignatureAlgorithm
        )
        let pem = try await certs.createCertificate(id: id, csrPEM: try csr.serializeAsPEM().pemString)
        guard let certificate = try CertService.certificates(inPEM: pem).first else {
            throw CertServiceError.invalidParameter("pem", "certd returned no certificate for \(id)")
        }
        return Current(chainPEM: pem, certificate: certificate, keyHandle: key)
    }

    private func currentChain() async throws -> (pem: String, certificate: Certificate)? {
        let pem: String
        do {
            pem = try await certs.getCertificate(id: certId)
        } catch let error as CertClientError where error.status == .badRequest {
            return nil
        }
        guard let certificate = try CertService.certificates(inPEM: pem).first else { return nil }
        return (pem, certificate)
    }
}
