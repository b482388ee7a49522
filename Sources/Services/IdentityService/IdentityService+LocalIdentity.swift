import _CryptoExtras
import Foundation
import SwiftASN1
import X509

extension IdentityService {
    /// Issues a local identity (§4.6): a fresh RSA-2048 key made in memory (returned as PKCS#8 PEM, never stored), a
    /// CSR for `<moduleId>.<hostname>.<domain>` (CN cut to 64 characters) with basicConstraints CA:FALSE, keyUsage
    /// digitalSignature+nonRepudiation+keyEncipherment and extendedKeyUsage clientAuth (+ serverAuth for `server`),
    /// all critical, and a certificate from certd for cert id = module id without an issuer (so certd uses its
    /// `cert_issuance.<moduleId>` settings).
    func issueLocalIdentity(_ moduleId: String, options: LocalIdentityOptions?) async throws -> Identity {
        guard let domain = configuration.localIdDomain else {
            throw IdentityServiceError.internal("bad settings: no local id settings specified")
        }
        let attributes = options?.attributes ?? .client
        let hostname = configuration.hostname
        return try await internalError("could not create certificate") {
            let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
            var usages: [ExtendedKeyUsage.Usage] = [.clientAuth]
            if attributes == .server { usages.append(.serverAuth) }
            let extensions = try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true, nonRepudiation: true, keyEncipherment: true))
                Critical(try ExtendedKeyUsage(usages))
            }
            let commonName = String("\(moduleId).\(hostname).\(domain)".prefix(64))
            let csr = try CertificateSigningRequest(
                version: .v1,
                subject: try DistinguishedName { CommonName(commonName) },
                privateKey: Certificate.PrivateKey(key),
                attributes: CertificateSigningRequest.Attributes([
                    try CertificateSigningRequest.Attribute(ExtensionRequest(extensions: extensions))
                ]),
                signatureAlgorithm: .sha256WithRSAEncryption
            )
            let pem = try await certs.createCertificate(id: moduleId, csrPEM: try csr.serializeAsPEM().pemString + "\n")
            let leaf = try Self.leafCertificate(pem)
            return .local(
                LocalIdentity(
                    moduleId: moduleId,
                    auth: LocalIdentity.Auth(privateKey: key.pkcs8PEMRepresentation, certificate: pem, expiration: Self.rfc3339(leaf.notValidAfter))
                ))
        }
    }

    /// `2025-01-01T00:00:00+00:00`, as the reference's chrono `to_rfc3339` writes a UTC time.
    static func rfc3339(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d+00:00", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0, parts.hour ?? 0, parts.minute ?? 0,
            parts.second ?? 0)
    }
}
