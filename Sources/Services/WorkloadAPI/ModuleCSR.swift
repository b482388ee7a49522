import _CryptoExtras
import Crypto
import Foundation
import SwiftASN1
import X509
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A certificate request for a module as the reference builds it: a fresh RSA-2048 key pair made in-process for every
/// request, a PKCS#10 CSR (version 0, SHA-256 with RSA) with subject `CN=<commonName>` and the requested extensions
/// (extended key usage first, then the subject alternative names).
struct ModuleCSR {
    /// A subject alternative name: DNS, or an IP address (v4 or v6, as text).
    enum AlternativeName: Sendable, Equatable {
        case dns(String)
        case ip(String)
    }

    let privateKeyPEM: String
    let csrPEM: String

    /// The longest common name X.509 allows (`ub-common-name`); the reference's OpenSSL refuses longer (and empty) ones.
    static let maxCommonNameLength = 64

    init(commonName: String, alternativeNames: [AlternativeName], usage: ExtendedKeyUsage.Usage) throws(WorkloadError) {
        guard (1...Self.maxCommonNameLength).contains(commonName.unicodeScalars.count) else {
            throw .internalError("failed to generate csr subject")
        }
        let key: _RSA.Signing.PrivateKey
        do {
            key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        } catch {
            throw .internalError("failed to generate csr keys")
        }
        let subject: DistinguishedName
        do {
            subject = try DistinguishedName { CommonName(commonName) }
        } catch {
            throw .internalError("failed to generate csr subject")
        }
        do {
            var extensions = Certificate.Extensions()
            try extensions.append(Certificate.Extension(ExtendedKeyUsage([usage]), critical: false))
            if !alternativeNames.isEmpty {
                let names = try alternativeNames.map { (name) throws(WorkloadError) -> GeneralName in
                    switch name {
                    case .dns(let text): return .dnsName(text)
                    case .ip(let text):
                        guard let bytes = Self.ipAddressBytes(text) else { throw .internalError("failed to generate csr") }
                        return .ipAddress(ASN1OctetString(contentBytes: bytes[...]))
                    }
                }
                try extensions.append(Certificate.Extension(SubjectAlternativeNames(names), critical: false))
            }
            var attributes = CertificateSigningRequest.Attributes()
            attributes.insert(try CertificateSigningRequest.Attribute(ExtensionRequest(extensions: extensions)))
            let csr = try CertificateSigningRequest(
                version: .v1,
                subject: subject,
                privateKey: Certificate.PrivateKey(key),
                attributes: attributes,
                signatureAlgorithm: .sha256WithRSAEncryption
            )
            csrPEM = try csr.serializeAsPEM().pemString + "\n"
        } catch let error as WorkloadError {
            throw error
        } catch {
            throw .internalError("failed to generate csr")
        }
        let pem = key.pkcs8PEMRepresentation
        privateKeyPEM = pem.hasSuffix("\n") ? pem : pem + "\n"
    }

    /// The network-order bytes of an IPv4 or IPv6 address in text form, or nil when `text` is neither (parsed as
    /// strictly as the reference: no leading zeros in IPv4, no zone suffix in IPv6).
    static func ipAddressBytes(_ text: String) -> [UInt8]? {
        if let bytes = parse(text, family: AF_INET, count: 4) { return bytes }
        return parse(text, family: AF_INET6, count: 16)
    }

    private static func parse(_ text: String, family: Int32, count: Int) -> [UInt8]? {
        var bytes = [UInt8](repeating: 0, count: count)
        let result = bytes.withUnsafeMutableBytes { buffer in inet_pton(family, text, buffer.baseAddress) }
        return result == 1 ? bytes : nil
    }
}
