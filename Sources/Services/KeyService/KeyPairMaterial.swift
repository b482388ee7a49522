import Crypto
import Foundation
import _CryptoExtras

/// A private key read from a key pair file (PEM: PKCS#8 `PRIVATE KEY`, SEC1 `EC PRIVATE KEY` or PKCS#1
/// `RSA PRIVATE KEY`), and the operations keyd offers on it.
enum KeyPairMaterial {
    case p256(P256.Signing.PrivateKey)
    case p384(P384.Signing.PrivateKey)
    case p521(P521.Signing.PrivateKey)
    case rsa(RSAPrivateKey)

    /// Parses a PEM private key; nil when it is none of the supported kinds.
    init?(pem: String) {
        if let key = try? P256.Signing.PrivateKey(pemRepresentation: pem) {
            self = .p256(key)
        } else if let key = try? P384.Signing.PrivateKey(pemRepresentation: pem) {
            self = .p384(key)
        } else if let key = try? P521.Signing.PrivateKey(pemRepresentation: pem) {
            self = .p521(key)
        } else if let key = RSAPrivateKey(pem: pem) {
            self = .rsa(key)
        } else {
            return nil
        }
    }

    /// A new key as PKCS#8 PEM (EC keys on the named curve P-256; RSA with e = 65537), ending in a newline.
    static func generatePEM(_ algorithm: KeyPairAlgorithm) throws(KeyServiceError) -> String {
        let pem: String
        switch algorithm {
        case .ecP256:
            pem = P256.Signing.PrivateKey().pemRepresentation
        case .rsa2048, .rsa4096:
            do {
                pem = try _RSA.Signing.PrivateKey(keySize: algorithm == .rsa2048 ? .bits2048 : .bits4096).pkcs8PEMRepresentation
            } catch {
                throw .internalError("cannot generate an RSA key: \(error)")
            }
        }
        return pem.hasSuffix("\n") ? pem : pem + "\n"
    }

    /// `/parameters/{name}`: `algorithm` → `ECDSA`/`RSA`; `ec-curve-oid`, `ec-point` (compressed), `rsa-modulus`,
    /// `rsa-exponent` → base64. A parameter of the other key type, or an unknown name, is a 400.
    func parameter(_ name: String) throws(KeyServiceError) -> String {
        switch name {
        case "algorithm":
            if case .rsa = self { return "RSA" }
            return "ECDSA"
        case "ec-curve-oid":
            switch self {
            case .p256: return Data([0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07]).base64EncodedString()
            case .p384: return Data([0x06, 0x05, 0x2B, 0x81, 0x04, 0x00, 0x22]).base64EncodedString()
            case .p521: return Data([0x06, 0x05, 0x2B, 0x81, 0x04, 0x00, 0x23]).base64EncodedString()
            case .rsa: throw .invalidParameter("type", "not an EC key pair")
            }
        case "ec-point":
            switch self {
            case .p256(let key): return key.publicKey.compressedRepresentation.base64EncodedString()
            case .p384(let key): return key.publicKey.compressedRepresentation.base64EncodedString()
            case .p521(let key): return key.publicKey.compressedRepresentation.base64EncodedString()
            case .rsa: throw .invalidParameter("type", "not an EC key pair")
            }
        case "rsa-modulus", "rsa-exponent":
            guard case .rsa(let key) = self else { throw .invalidParameter("type", "not an RSA key pair") }
            return Data(name == "rsa-modulus" ? key.modulus : key.publicExponent).base64EncodedString()
        default:
            throw .invalidParameter("parameterName", "unrecognized value \"\(name)\"; expected algorithm, ec-curve-oid, ec-point, rsa-modulus or rsa-exponent")
        }
    }

    /// ECDSA over a caller-supplied digest; the DER `ECDSA-Sig-Value`.
    func signECDSA(digest: Data) throws(KeyServiceError) -> Data {
        let raw = RawDigest(bytes: Array(digest))
        do {
            switch self {
            case .p256(let key): return try key.signature(for: raw).derRepresentation
            case .p384(let key): return try key.signature(for: raw).derRepresentation
            case .p521(let key): return try key.signature(for: raw).derRepresentation
            case .rsa: throw KeyServiceError.mechanismMismatch
            }
        } catch let error as KeyServiceError {
            throw error
        } catch {
            throw .internalError("ECDSA signing failed: \(error)")
        }
    }
}
