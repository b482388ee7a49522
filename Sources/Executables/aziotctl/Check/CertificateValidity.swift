import EdgeConfigTool
import CheckReport
import AziotClients
import CertService
import Crypto
import Foundation
import IoTHubProtocol
import NIOHTTP1
import SwiftASN1
import X509

/// A certificate's validity period, judged the reference's way: not yet valid or expired is an error, less than
/// seven days left is a warning.
struct CertificateValidity: Sendable {
    var certName: String
    var certID: String
    var notBefore: Date
    var notAfter: Date

    init(certName: String, certID: String, certificate: Certificate) {
        self.init(certName: certName, certID: certID, notBefore: certificate.notValidBefore, notAfter: certificate.notValidAfter)
    }

    init(certName: String, certID: String, notBefore: Date, notAfter: Date) {
        self.certName = certName
        self.certID = certID
        self.notBefore = notBefore
        self.notAfter = notAfter
    }

    /// The reference's `CertificateValidity` fields.
    var json: JSONValue {
        .object([
            "cert_name": .string(certName), "cert_id": .string(certID),
            "not_after": .string(Self.rfc3339(notAfter)), "not_before": .string(Self.rfc3339(notBefore)),
        ])
    }

    /// The verdict at `now`; `fix` says what to do about an expired or expiring certificate.
    func result(now: Date = Date(), fix: String) -> CheckResult {
        let label = certName.isEmpty ? "'\(certID)'" : "\(certName) '\(certID)'"
        if notBefore > now {
            return .error(CheckMessage(
                "\(label) has not-before time \(Self.display(notBefore)) which is in the future.\n"
                    + "Check the device's clock (timedatectl) and the clock of the machine that issued it."))
        }
        if notAfter < now {
            return .error(CheckMessage("\(label) expired at \(Self.display(notAfter)).\n\(fix)"))
        }
        if notAfter < now.addingTimeInterval(7 * 86_400) {
            let days = Int(notAfter.timeIntervalSince(now) / 86_400)
            return .warning(CheckMessage("\(label) will expire soon (\(Self.display(notAfter)), in \(days) days).\n\(fix)"))
        }
        return .ok
    }

    static func rfc3339(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }

    /// `2025-01-31 12:00:00 UTC`, the way the reference prints times.
    static func display(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss 'UTC'"
        return formatter.string(from: date)
    }
}

/// Certificates in PEM text.
enum PEMCertificates {
    struct ParseError: Error, CustomStringConvertible {
        var description: String
    }

    /// Every `CERTIFICATE` block of `pem`, parsed; at least one.
    static func parse(_ pem: String) throws(ParseError) -> [Certificate] {
        let documents: [PEMDocument]
        do {
            documents = try PEMDocument.parseMultiple(pemString: pem)
        } catch {
            throw ParseError(description: "not valid PEM: \(error)")
        }
        var certificates: [Certificate] = []
        for document in documents where document.discriminator == "CERTIFICATE" {
            do {
                certificates.append(try Certificate(derEncoded: document.derBytes))
            } catch {
                throw ParseError(description: "certificate \(certificates.count + 1) in the PEM is not a valid X.509 certificate: \(error)")
            }
        }
        guard !certificates.isEmpty else { throw ParseError(description: "the PEM holds no CERTIFICATE block") }
        return certificates
    }

    /// The public key of `certificate` in the form keyd reports key pairs, or nil for other algorithms.
    static func publicKey(of certificate: Certificate) -> KeyPairPublicKey? {
        let key = certificate.publicKey
        if let p256 = P256.Signing.PublicKey(key) {
            return .ec(curveOID: [0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07], compressedPoint: Array(p256.compressedRepresentation))
        }
        if let p384 = P384.Signing.PublicKey(key) {
            return .ec(curveOID: [0x06, 0x05, 0x2B, 0x81, 0x04, 0x00, 0x22], compressedPoint: Array(p384.compressedRepresentation))
        }
        if let p521 = P521.Signing.PublicKey(key) {
            return .ec(curveOID: [0x06, 0x05, 0x2B, 0x81, 0x04, 0x00, 0x23], compressedPoint: Array(p521.compressedRepresentation))
        }
        // RSA: the key bytes are the PKCS#1 RSAPublicKey, SEQUENCE { modulus INTEGER, publicExponent INTEGER }.
        guard let node = try? DER.parse(key.subjectPublicKeyInfoBytes), let integers = try? DER.sequence(node, identifier: .sequence, { nodes in
            (try ArraySlice<UInt8>(derEncoded: &nodes), try ArraySlice<UInt8>(derEncoded: &nodes))
        }) else { return nil }
        return .rsa(modulus: stripLeadingZeros(integers.0), exponent: stripLeadingZeros(integers.1))
    }

    static func stripLeadingZeros(_ bytes: some Collection<UInt8>) -> [UInt8] {
        Array(bytes.drop { $0 == 0 })
    }
}

/// Where `check` finds a certificate: the preloaded file, certd, or certd's store on disk.
enum CertificateLookup {
    case found(Certificate, source: String)
    /// Not issued yet (certd has none and no file exists).
    case absent(String)
    case failed(String)

    /// Looks `certID` up the way certd would serve it.
    static func find(_ certID: String, in context: CheckContext) async -> CertificateLookup {
        guard let certd = context.certd else { return .failed("certd's configuration could not be read") }
        if let entry = certd.preloadedCerts.first(where: { $0.id == certID }) {
            switch entry.source {
            case .file(let path):
                return read(file: path, certID: certID, user: context.serviceUser(.certd))
            case .bundle(let members):
                guard let first = members.first, case .file(let path)? = certd.preloadedCerts.first(where: { $0.id == first })?.source else {
                    return .failed("preloaded bundle \(certID) names no certificate file")
                }
                return read(file: path, certID: certID, user: context.serviceUser(.certd))
            }
        }
        let client = context.certClient
        do {
            let pem = try await withTimeout(CheckContext.requestTimeout) { try await client.getCertificate(id: certID) }
            return parsed(pem, source: "certd", certID: certID)
        } catch let error as CertClientError where (400..<500).contains(error.status.code) {
            return .absent("certd has no certificate \(certID) yet (\(error.message))")
        } catch {
            // certd is not reachable: look in its store directly.
            let path = "\(certd.homedirPath)/certs/\(storeFileName(certID))"
            guard FileManager.default.fileExists(atPath: path) else { return .absent("certd is not reachable and \(path) does not exist") }
            return read(file: path, certID: certID, user: nil)
        }
    }

    static func read(file path: String, certID: String, user: SystemUser?) -> CertificateLookup {
        if let user, let problem = PreloadedFileCheck.problem(reading: path, as: user) {
            return .failed("certificate \(certID) (\(path)) cannot be read by user \(user.name): \(problem)")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            return .failed("could not read certificate \(certID) from \(path): \(String(cString: strerror(errno)))")
        }
        return parsed(String(decoding: data, as: UTF8.self), source: path, certID: certID)
    }

    static func parsed(_ pem: String, source: String, certID: String) -> CertificateLookup {
        do {
            return .found(try PEMCertificates.parse(pem)[0], source: source)
        } catch {
            return .failed("could not parse certificate \(certID) from \(source): \(error)")
        }
    }

    /// certd's file name for an issued certificate: `<id filtered to ASCII alphanumerics>-<hex SHA-256 of id>.cer`.
    static func storeFileName(_ certID: String) -> String {
        let alphanumerics = String(certID.unicodeScalars.filter { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0)) })
        let digest = SHA256.hash(data: Data(certID.utf8)).map { String(format: "%02x", $0) }.joined()
        return "\(alphanumerics)-\(digest).cer"
    }
}
