import _CryptoExtras
import Crypto
public import Foundation
import NIOHTTP1
public import SwiftASN1
public import X509

/// A private key that stays in keyd: a swift-certificates `CustomPrivateKey` whose signatures are made by keyd
/// through a key handle (ECDSA P-256 via `/sign`, RSA PKCS#1 v1.5 via `/encrypt` `RSA-PKCS1` over a DigestInfo),
/// so certd, identityd and edged can sign certificates and CSRs with keys they never hold.
public struct KeydPrivateKey: CustomPrivateKey {
    public let handle: KeyHandle
    public let publicKey: Certificate.PublicKey
    let client: KeyClient
    let isRSA: Bool

    /// Reads the key pair's public parameters from keyd.
    public static func load(handle: KeyHandle, client: KeyClient) async throws -> KeydPrivateKey {
        let algorithm = try await client.keyPairParameter(.algorithm, of: handle)
        switch algorithm {
        case "ECDSA":
            let point = try await base64(client.keyPairParameter(.ecPoint, of: handle))
            let curve = try await base64(client.keyPairParameter(.ecCurveOID, of: handle))
            guard curve == Self.p256CurveOID else {
                throw KeyClientError(status: .badRequest, message: "only P-256 key pairs can sign certificates")
            }
            let key = try P256.Signing.PublicKey(compressedRepresentation: point)
            return KeydPrivateKey(handle: handle, publicKey: Certificate.PublicKey(key), client: client, isRSA: false)
        case "RSA":
            let modulus = try await base64(client.keyPairParameter(.rsaModulus, of: handle))
            let exponent = try await base64(client.keyPairParameter(.rsaExponent, of: handle))
            let key = try _RSA.Signing.PublicKey(n: modulus, e: exponent)
            return KeydPrivateKey(handle: handle, publicKey: Certificate.PublicKey(key), client: client, isRSA: true)
        default:
            throw KeyClientError(status: .badRequest, message: "keyd reports an unknown key algorithm \(algorithm)")
        }
    }

    /// DER of OID 1.2.840.10045.3.1.7 (prime256v1).
    static let p256CurveOID = Data([0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07])

    /// SHA-256 DigestInfo prefix (RFC 8017 §9.2 note 1).
    static let sha256DigestInfoPrefix: [UInt8] = [
        0x30, 0x31, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20,
    ]

    private static func base64(_ text: String) throws -> Data {
        guard let data = Data(base64Encoded: text) else {
            throw KeyClientError(status: .badRequest, message: "keyd returned a parameter that is not base64")
        }
        return data
    }

    public var defaultSignatureAlgorithm: Certificate.SignatureAlgorithm { isRSA ? .sha256WithRSAEncryption : .ecdsaWithSHA256 }
    public var supportedSignatureAlgorithms: [Certificate.SignatureAlgorithm] { [defaultSignatureAlgorithm] }

    public func signSynchronously(bytes: some DataProtocol, signatureAlgorithm: Certificate.SignatureAlgorithm) throws -> Certificate.Signature {
        throw KeyClientError(status: .badRequest, message: "a keyd key signs asynchronously only")
    }

    public func signAsynchronously(
        bytes: some DataProtocol & Sendable,
        signatureAlgorithm: Certificate.SignatureAlgorithm
    ) async throws -> Certificate.Signature {
        guard signatureAlgorithm == defaultSignatureAlgorithm else {
            throw KeyClientError(status: .badRequest, message: "a keyd key signs with \(defaultSignatureAlgorithm) only, not \(signatureAlgorithm)")
        }
        let digest = Data(SHA256.hash(data: Data(bytes)))
        let signature: Data
        if isRSA {
            signature = try await client.encrypt(handle, .rsaPKCS1, plaintext: Data(Self.sha256DigestInfoPrefix) + digest)
            return try Certificate.Signature(signatureAlgorithm: signatureAlgorithm, signatureBytes: ASN1BitString(bytes: ArraySlice(signature)))
        }
        signature = try await client.sign(handle, .ecdsa(digest: digest))
        return try Certificate.Signature(signatureAlgorithm: signatureAlgorithm, signatureBytes: ASN1BitString(bytes: ArraySlice(signature)))
    }

    public static var defaultPEMDiscriminator: String { "PRIVATE KEY" }

    /// Always throws: the private key never leaves keyd.
    public func serialize(into coder: inout DER.Serializer) throws {
        throw KeyClientError(status: .badRequest, message: "a private key held by keyd cannot be exported")
    }

    public static func == (lhs: KeydPrivateKey, rhs: KeydPrivateKey) -> Bool { lhs.handle == rhs.handle && lhs.publicKey == rhs.publicKey }
    public func hash(into hasher: inout Hasher) { hasher.combine(handle) }
}
