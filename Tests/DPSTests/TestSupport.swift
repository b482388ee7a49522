import Crypto
import Foundation
import HubEmulator
import IoTHubProtocol
import Logging
import MQTTTestSupport
import SwiftASN1
import Testing
import X509

/// The id scope the tests' provisioning service uses.
let testIdScope = "0ne00000ABC"
/// The hub the tests' devices are assigned to.
let testHubName = "testhub.local"

/// A registry on a SQLite file in a fresh temporary directory (removed by ``remove()``).
struct RegistryFixture: Sendable {
    let directory: String

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("DPSTests-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    var path: String { directory + "/registry.sqlite" }

    /// Opens (or reopens) the registry.
    func open() throws -> HubRegistry {
        try HubRegistry(path: path, logger: makeTestLogger(label: "registry"))
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// Runs `body` with a registry and a provisioning service on it.
func withProvisioning(_ body: (HubRegistry, DeviceProvisioning) async throws -> Void) async throws {
    let fixture = try RegistryFixture()
    defer { fixture.remove() }
    let registry = try fixture.open()
    let provisioning = DeviceProvisioning(registry: registry, idScope: testIdScope, hubHostName: testHubName, logger: makeTestLogger(label: "dps"))
    try await body(registry, provisioning)
}

/// Runs `body`, which must throw a ``HubError``, and returns that error (recording an issue otherwise). Call it on
/// its own line, never inside `#expect`.
func hubError(sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> Void) async -> HubError? {
    do {
        try await body()
        Issue.record("expected a HubError, but nothing was thrown", sourceLocation: sourceLocation)
        return nil
    } catch let error as HubError {
        return error
    } catch {
        Issue.record("expected a HubError, not \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

/// A valid key (base64 of 32 bytes) recognisable in failures.
func fixedKey(_ byte: UInt8) -> String {
    Data(repeating: byte, count: 32).base64EncodedString()
}

/// A DPS registration token (`skn=registration`) for `registrationId`, signed with `key`, expiring in `lifetime` seconds.
func registrationToken(_ registrationId: String, key: String, scope: String = testIdScope, lifetime: Int = 60, keyName: String? = "registration")
    throws
    -> String
{
    let expiry = UInt64(Int(Date().timeIntervalSince1970) + lifetime)
    return try SharedAccessSignature.make(resource: "\(scope)/registrations/\(registrationId)", key: key, expiry: expiry, keyName: keyName)
        .description
}

// MARK: Certificates

/// A certificate and its P-256 key, made in-process (fast), with PEM forms for files.
struct TestCertificate: Sendable {
    let certificate: Certificate
    let key: P256.Signing.PrivateKey

    var pem: String { (try? certificate.serializeAsPEM().pemString).map { $0 + "\n" } ?? "" }
    var keyPEM: String { key.pemRepresentation + "\n" }

    /// A CA certificate, self-signed or issued by `issuer` (an intermediate).
    static func authority(_ name: String, issuer: TestCertificate? = nil) throws -> TestCertificate {
        let key = P256.Signing.PrivateKey()
        let subject = try DistinguishedName { CommonName(name) }
        let now = Date()
        let certificate = try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: .init(key.publicKey),
            notValidBefore: now.addingTimeInterval(-3600),
            notValidAfter: now.addingTimeInterval(365 * 86_400),
            issuer: issuer?.certificate.subject ?? subject,
            subject: subject,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                SubjectKeyIdentifier(hash: .init(key.publicKey))
                if let issuer {
                    AuthorityKeyIdentifier(keyIdentifier: try issuer.certificate.extensions.subjectKeyIdentifier?.keyIdentifier)
                }
            },
            issuerPrivateKey: .init(issuer?.key ?? key)
        )
        return TestCertificate(certificate: certificate, key: key)
    }

    /// A client certificate with common name `commonName`, issued by `issuer` or self-signed; `validFor` seconds
    /// from an hour ago (negative to make an expired one).
    static func device(_ commonName: String, issuer: TestCertificate? = nil, validFor: TimeInterval = 365 * 86_400) throws -> TestCertificate {
        let key = P256.Signing.PrivateKey()
        let subject = try DistinguishedName { CommonName(commonName) }
        let start = Date().addingTimeInterval(validFor < 0 ? -7200 : -3600)
        let certificate = try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: .init(key.publicKey),
            notValidBefore: start,
            notValidAfter: validFor < 0 ? Date().addingTimeInterval(-60) : start.addingTimeInterval(validFor),
            issuer: issuer?.certificate.subject ?? subject,
            subject: subject,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.clientAuth])
                if let issuer {
                    AuthorityKeyIdentifier(keyIdentifier: try issuer.certificate.extensions.subjectKeyIdentifier?.keyIdentifier)
                }
            },
            issuerPrivateKey: .init(issuer?.key ?? key)
        )
        return TestCertificate(certificate: certificate, key: key)
    }

    /// SHA-256 thumbprint, upper-case hex.
    var sha256Thumbprint: String {
        var serializer = DER.Serializer()
        try? serializer.serialize(certificate)
        return SHA256.hash(data: serializer.serializedBytes).map { String(format: "%02X", $0) }.joined()
    }

    /// Writes the certificate (followed by `chain`) and the key into `directory`; returns their paths.
    func write(to directory: String, name: String, chain: [TestCertificate] = []) throws -> (certificate: String, key: String) {
        let certificatePath = "\(directory)/\(name).pem"
        let keyPath = "\(directory)/\(name).key.pem"
        try ([self] + chain).map(\.pem).joined().write(toFile: certificatePath, atomically: true, encoding: .utf8)
        try keyPEM.write(toFile: keyPath, atomically: true, encoding: .utf8)
        return (certificatePath, keyPath)
    }
}
