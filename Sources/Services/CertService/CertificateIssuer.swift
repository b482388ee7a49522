import Crypto
public import Foundation
import SwiftASN1
public import X509

/// Signs certificates from CSRs the way certd does: X.509 v3, subject from the configuration or the CSR,
/// validity from now for `expiryDays` but never past the issuer's own expiry, the CSR's requested extensions
/// copied, a Subject Key Identifier added when absent, an Authority Key Identifier added when absent and the
/// issuer has a key identifier, SHA-256 signatures.
public struct CertificateIssuer: Sendable {
    /// The longest common name certd writes; longer ones are cut at a character boundary.
    public static let maxCommonNameLength = 64
    public static let defaultExpiryDays = 30

    public var now: @Sendable () -> Date

    public init(now: @escaping @Sendable () -> Date = { Date() }) {
        self.now = now
    }

    /// Parses and checks a PEM CSR: it must parse and be signed by its own key.
    public static func parseCSR(_ pem: String) throws(CertServiceError) -> CertificateSigningRequest {
        let csr: CertificateSigningRequest
        do {
            csr = try CertificateSigningRequest(pemEncoded: pem)
        } catch {
            throw .invalidParameter("csr", "the CSR is not a PEM certificate signing request: \(error)")
        }
        guard csr.publicKey.isValidSignature(csr.signature, for: csr) else {
            throw .invalidParameter("csr", "the CSR's signature does not verify with its own public key")
        }
        return csr
    }

    /// Issues a certificate for `csr`.
    /// - Parameters:
    ///   - subjectOverride: the configured subject, replacing the CSR's.
    ///   - issuerChain: the issuer's certificate first, then its chain; empty for a self-signed certificate.
    ///   - issuerKey: the key that signs (for self-signed: the key of `csr.publicKey`).
    /// - Returns: the new certificate followed by `issuerChain`.
    public func issue(
        csr: CertificateSigningRequest,
        subjectOverride: CertIssuanceOptions.SubjectOverride?,
        expiryDays: Int?,
        issuerChain: [Certificate],
        issuerKey: Certificate.PrivateKey
    ) async throws -> [Certificate] {
        let subject = try subjectOverride.map(Self.distinguishedName) ?? csr.subject
        let issuerCertificate = issuerChain.first
        // Whole seconds: X.509 times have no fraction, and a rounded-up start would not be valid yet.
        let notBefore = Date(timeIntervalSince1970: now().timeIntervalSince1970.rounded(.down))
        var notAfter = notBefore.addingTimeInterval(TimeInterval(expiryDays ?? Self.defaultExpiryDays) * 86_400)
        if let issuerCertificate, issuerCertificate.notValidAfter < notAfter { notAfter = issuerCertificate.notValidAfter }

        var extensions = (try csr.attributes.extensionRequest?.extensions) ?? Certificate.Extensions()
        let subjectKeyId = Self.keyIdentifier(of: csr.publicKey)
        if (try extensions.subjectKeyIdentifier) == nil {
            try extensions.append(Certificate.Extension(SubjectKeyIdentifier(keyIdentifier: subjectKeyId[...]), critical: false))
        }
        if (try extensions.authorityKeyIdentifier) == nil {
            if let issuerCertificate {
                if let issuerKeyId = try issuerCertificate.extensions.subjectKeyIdentifier {
                    try extensions.append(Certificate.Extension(AuthorityKeyIdentifier(keyIdentifier: issuerKeyId.keyIdentifier), critical: false))
                }
            } else {
                try extensions.append(Certificate.Extension(AuthorityKeyIdentifier(keyIdentifier: subjectKeyId[...]), critical: false))
            }
        }

        let certificate = try await Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: csr.publicKey,
            notValidBefore: notBefore,
            notValidAfter: notAfter,
            issuer: issuerCertificate?.subject ?? subject,
            subject: subject,
            signatureAlgorithm: Self.signatureAlgorithm(for: issuerKey),
            extensions: extensions,
            issuerAsyncPrivateKey: issuerKey
        )
        return [certificate] + issuerChain
    }

    /// SHA-256 signatures for every key type certd signs with.
    static func signatureAlgorithm(for key: Certificate.PrivateKey) -> Certificate.SignatureAlgorithm {
        if P256.Signing.PublicKey(key.publicKey) != nil { return .ecdsaWithSHA256 }
        if P384.Signing.PublicKey(key.publicKey) != nil { return .ecdsaWithSHA384 }
        if P521.Signing.PublicKey(key.publicKey) != nil { return .ecdsaWithSHA512 }
        return .sha256WithRSAEncryption
    }

    /// RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey bit string.
    static func keyIdentifier(of key: Certificate.PublicKey) -> [UInt8] {
        Array(Insecure.SHA1.hash(data: key.subjectPublicKeyInfoBytes))
    }

    /// A configured subject as a distinguished name; common names are cut to 64 characters.
    public static func distinguishedName(_ subject: CertIssuanceOptions.SubjectOverride) throws -> DistinguishedName {
        switch subject {
        case .commonName(let name):
            return try DistinguishedName { CommonName(truncatedCommonName(name)) }
        case .attributes(let attributes):
            var names: [RelativeDistinguishedName] = []
            for (name, value) in attributes {
                let text = name.uppercased() == "CN" ? truncatedCommonName(value) : value
                guard let oid = attributeOIDs[name.uppercased()] else {
                    throw CertServiceError.invalidParameter("subject", "unknown distinguished-name attribute \(name)")
                }
                names.append(RelativeDistinguishedName(RelativeDistinguishedName.Attribute(type: oid, utf8String: text)))
            }
            return DistinguishedName(names)
        }
    }

    /// Cut at 64 characters, never inside a character.
    public static func truncatedCommonName(_ name: String) -> String {
        String(name.prefix(maxCommonNameLength))
    }

    static let attributeOIDs: [String: ASN1ObjectIdentifier] = [
        "CN": .RDNAttributeType.commonName,
        "C": .RDNAttributeType.countryName,
        "ST": .RDNAttributeType.stateOrProvinceName,
        "L": .RDNAttributeType.localityName,
        "O": .RDNAttributeType.organizationName,
        "OU": .RDNAttributeType.organizationalUnitName,
        "STREET": .RDNAttributeType.streetAddress,
        "DC": .RDNAttributeType.domainComponent,
        "EMAILADDRESS": .RDNAttributeType.emailAddress,
    ]
}

extension Certificate.PublicKey {
    /// The BIT STRING contents of the SubjectPublicKeyInfo.
    var subjectPublicKeyInfoBytes: [UInt8] {
        var serializer = DER.Serializer()
        // A public key always serializes.
        try? serializer.serialize(self)
        guard let node = try? DER.parse(serializer.serializedBytes), case .constructed(let children) = node.content else { return [] }
        var iterator = children.makeIterator()
        _ = iterator.next()
        guard let bitString = iterator.next(), let bits = try? ASN1BitString(derEncoded: bitString) else { return [] }
        return Array(bits.bytes)
    }
}
