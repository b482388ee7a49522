import Crypto
import Foundation
import NIOSSL
import SwiftASN1
import X509

/// The X.509 checks the emulator makes on client certificates, shared by DPS attestation and the service API's
/// mutual-TLS access: common names, thumbprints, validity periods and chain validation to a set of roots.
enum CertificateChecks {
    /// The last common name of the subject (IoT Hub and DPS read the device or registration id from it).
    static func commonName(of certificate: Certificate) -> String? {
        certificate.subject.flatMap { $0 }.last { $0.type == .RDNAttributeType.commonName }.map { "\($0.value)" }
    }

    /// The DER encoding of `certificate`.
    static func der(_ certificate: Certificate) -> [UInt8] {
        var serializer = DER.Serializer()
        do {
            try serializer.serialize(certificate)
        } catch {
            return []
        }
        return serializer.serializedBytes
    }

    /// SHA-1 and SHA-256 thumbprints of the DER encoding, upper-case hex (IoT Hub's and DPS's notation).
    static func thumbprints(of certificate: Certificate) -> (sha1: String, sha256: String) {
        let bytes = der(certificate)
        return (hex(Insecure.SHA1.hash(data: bytes)), hex(SHA256.hash(data: bytes)))
    }

    /// Whether `now` lies within the certificate's validity period.
    static func isValid(_ certificate: Certificate, at now: Date) -> Bool {
        certificate.notValidBefore <= now && now <= certificate.notValidAfter
    }

    /// Converts a TLS peer chain (leaf first) into certificates; unreadable ones are dropped.
    static func certificates(from chain: [NIOSSLCertificate]) -> [Certificate] {
        chain.compactMap { try? Certificate(derEncoded: $0.toDERBytes()) }
    }

    /// Parses every certificate of a PEM text.
    static func certificates(pem: String) throws -> [Certificate] {
        try PEMDocument.parseMultiple(pemString: pem).map { try Certificate(pemDocument: $0) }
    }

    /// Validates `leaf` with the presented `intermediates` to one of `roots` now (RFC 5280 rules, validity periods
    /// included). Returns nil when valid, else why not.
    static func validate(leaf: Certificate, intermediates: [Certificate], roots: [Certificate]) async -> String? {
        guard !roots.isEmpty else { return "no CA certificate to validate against" }
        var verifier = Verifier(rootCertificates: CertificateStore(roots)) { RFC5280Policy() }
        switch await verifier.validate(leaf: leaf, intermediates: CertificateStore(intermediates)) {
        case .validCertificate:
            return nil
        case .couldNotValidate(let failures):
            let reasons = failures.map { "\($0.policyFailureReason)" }
            return reasons.isEmpty ? "no chain to a trusted CA" : reasons.joined(separator: "; ")
        }
    }

    private static func hex(_ digest: some Sequence<UInt8>) -> String {
        digest.map { String(format: "%02X", $0) }.joined()
    }
}
