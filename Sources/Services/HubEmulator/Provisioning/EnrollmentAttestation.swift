import Foundation
import IoTHubProtocol
import X509

/// How the devices of an enrollment prove who they are (`attestation`), in DPS's JSON shape:
/// `{"type":"symmetricKey","symmetricKey":{"primaryKey","secondaryKey"}}` or
/// `{"type":"x509","x509":{"clientCertificates"|"signingCertificates":{"primary":{"certificate"},"secondary":…}}}`.
///
/// An individual enrollment's X.509 certificates are the device's own (`clientCertificates`); a group's are the CA
/// or intermediate certificates its devices chain to (`signingCertificates`). In a request, credentials left out
/// (`nil`) are generated (keys) or kept from the stored enrollment; TPM attestation and `caReferences` are refused.
public enum EnrollmentAttestation: Sendable, Hashable {
    /// Base64 symmetric keys; for a group, devices sign with keys derived from them (``GroupKeyDerivation``).
    case symmetricKey(primaryKey: String?, secondaryKey: String?)
    /// PEM certificates.
    case x509(primary: String?, secondary: String?)

    /// `symmetricKey` or `x509`.
    public var type: String {
        switch self {
        case .symmetricKey: "symmetricKey"
        case .x509: "x509"
        }
    }

    /// Reads the JSON shape; `certificatesMember` is `clientCertificates` (individual) or `signingCertificates` (group).
    init(json: JSONValue, certificatesMember: String) throws(HubError) {
        let fields = try JSONFields(json, path: "attestation")
        guard let type = try fields.string("type") else {
            throw HubError(.argumentInvalid, "attestation.type is missing; use \"symmetricKey\" or \"x509\"")
        }
        switch type {
        case "symmetricKey":
            let keys = try fields.object("symmetricKey")
            self = .symmetricKey(primaryKey: try keys?.string("primaryKey"), secondaryKey: try keys?.string("secondaryKey"))
        case "x509":
            let x509 = try fields.object("x509")
            if x509?.value("caReferences") != nil {
                throw HubError(
                    .argumentInvalid,
                    "attestation.x509.caReferences are not supported by the emulator; give the CA certificate in \(certificatesMember)")
            }
            let certificates = try x509?.object(certificatesMember)
            let primary = try certificates?.object("primary")?.string("certificate")
            let secondary = try certificates?.object("secondary")?.string("certificate")
            self = .x509(primary: primary, secondary: secondary)
        case "tpm":
            throw HubError(.argumentInvalid, "TPM attestation is not supported by the emulator; use symmetricKey or x509")
        default:
            throw HubError(.argumentInvalid, "attestation.type must be \"symmetricKey\" or \"x509\", not \"\(type)\"")
        }
    }

    /// Completes a requested attestation for a create (`existing` nil) or an update: keys not given are kept from
    /// `existing` (when it used keys too) or generated; certificates not given are kept from `existing`. Checks the
    /// keys (base64 of 16 to 64 bytes) and the certificates (PEM).
    func resolved(existing: EnrollmentAttestation?) throws(HubError) -> EnrollmentAttestation {
        switch self {
        case .symmetricKey(let primary, let secondary):
            var kept: (String?, String?) = (nil, nil)
            if case .symmetricKey(let existingPrimary, let existingSecondary) = existing { kept = (existingPrimary, existingSecondary) }
            let primaryKey = primary ?? kept.0 ?? IdentityRules.generateKey()
            let secondaryKey = secondary ?? kept.1 ?? IdentityRules.generateKey()
            for (name, key) in [("primaryKey", primaryKey), ("secondaryKey", secondaryKey)] {
                guard let bytes = Base64.decode(key), (16...64).contains(bytes.count) else {
                    throw HubError(.argumentInvalid, "attestation.symmetricKey.\(name) must be base64 of 16 to 64 bytes")
                }
            }
            return .symmetricKey(primaryKey: primaryKey, secondaryKey: secondaryKey)
        case .x509(let primary, let secondary):
            var kept: (String?, String?) = (nil, nil)
            if case .x509(let existingPrimary, let existingSecondary) = existing { kept = (existingPrimary, existingSecondary) }
            guard let primaryPEM = primary ?? kept.0 else {
                throw HubError(.argumentInvalid, "attestation.x509 needs a primary certificate (PEM)")
            }
            let secondaryPEM = primary == nil ? (secondary ?? kept.1) : secondary
            for (name, pem) in [("primary", primaryPEM), ("secondary", secondaryPEM)] {
                guard let pem else { continue }
                guard (try? CertificateChecks.certificates(pem: pem))?.count == 1 else {
                    throw HubError(.argumentInvalid, "attestation.x509 \(name) certificate must be one PEM certificate")
                }
            }
            return .x509(primary: primaryPEM, secondary: secondaryPEM)
        }
    }

    /// The symmetric keys, when this is key attestation.
    var keys: [String] {
        guard case .symmetricKey(let primary, let secondary) = self else { return [] }
        return [primary, secondary].compactMap { $0 }
    }

    /// The certificates, when this is X.509 attestation (unreadable ones skipped).
    var certificates: [Certificate] {
        guard case .x509(let primary, let secondary) = self else { return [] }
        return [primary, secondary].compactMap { $0 }.compactMap { try? CertificateChecks.certificates(pem: $0).first }
    }

    /// The JSON shape. With `includeCertificates` the PEM certificates are included (the stored form); without,
    /// only their `info` (as DPS answers).
    func json(certificatesMember: String, includeCertificates: Bool) -> JSONValue {
        switch self {
        case .symmetricKey(let primary, let secondary):
            return [
                "type": "symmetricKey",
                "symmetricKey": ["primaryKey": .optional(primary), "secondaryKey": .optional(secondary)],
            ]
        case .x509(let primary, let secondary):
            func entry(_ pem: String?) -> JSONValue {
                guard let pem else { return .null }
                var object = JSONObject()
                if includeCertificates { object["certificate"] = .string(pem) }
                if let certificate = try? CertificateChecks.certificates(pem: pem).first {
                    object["info"] = Self.info(certificate)
                }
                return .object(object)
            }
            return ["type": "x509", "x509": .object([certificatesMember: ["primary": entry(primary), "secondary": entry(secondary)]])]
        }
    }

    /// DPS's `X509CertificateInfo`: subject, thumbprints, issuer, validity, serial number, version.
    static func info(_ certificate: Certificate) -> JSONValue {
        let thumbprints = CertificateChecks.thumbprints(of: certificate)
        return [
            "subjectName": .string(certificate.subject.description),
            "sha1Thumbprint": .string(thumbprints.sha1),
            "sha256Thumbprint": .string(thumbprints.sha256),
            "issuerName": .string(certificate.issuer.description),
            "notBeforeUtc": .string(certificate.notValidBefore.formatted(.iso8601)),
            "notAfterUtc": .string(certificate.notValidAfter.formatted(.iso8601)),
            "serialNumber": .string(certificate.serialNumber.bytes.map { String(format: "%02X", $0) }.joined()),
            "version": .int(Int64(certificate.version == .v3 ? 3 : 1)),
        ]
    }
}
