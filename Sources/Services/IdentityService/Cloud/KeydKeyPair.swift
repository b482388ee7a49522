import _CryptoExtras
import Crypto
public import Foundation
public import NIOCore
public import NIOSSL
public import SwiftASN1
public import X509

/// A key pair that lives in keyd, known by its handle: signs CSRs (as a swift-certificates `CustomPrivateKey`) and TLS
/// handshakes (as a `NIOSSLCustomPrivateKey`) by calling keyd, the way the reference's OpenSSL engine does:
/// - EC keys: the data is hashed here and keyd's `/sign` `ECDSA` signs the digest (DER signature back);
/// - RSA keys: PKCS#1 v1.5 signatures through `/encrypt` `RSA-PKCS1` over a DigestInfo; RSA-PSS (required by TLS 1.3)
///   is padded here (EMSA-PSS, MGF1, salt length = hash length) and sent through `/encrypt` `RSA-NO-PADDING`.
///
/// The private key never leaves keyd.
public struct KeydKeyPair: Sendable {
    public enum Kind: Sendable, Hashable {
        case p256
        case p384
        /// RSA with a modulus of this many bits.
        case rsa(modulusBits: Int)
    }

    public let handle: String
    public let kind: Kind
    public let publicKey: Certificate.PublicKey
    let keys: any IdentityKeyClient

    /// Asks keyd for the key's algorithm and public parameters.
    public static func load(handle: String, keys: any IdentityKeyClient) async throws -> KeydKeyPair {
        let algorithm = try await keys.keyPairPublicParameter(handle: handle, name: "algorithm")
        switch algorithm {
        case "ECDSA":
            let curve = try Self.bytes(await keys.keyPairPublicParameter(handle: handle, name: "ec-curve-oid"), "ec-curve-oid")
            let point = try Self.bytes(await keys.keyPairPublicParameter(handle: handle, name: "ec-point"), "ec-point")
            switch curve {
            case Self.p256OID:
                return KeydKeyPair(handle: handle, kind: .p256, publicKey: Certificate.PublicKey(try P256.Signing.PublicKey(compressedRepresentation: point)), keys: keys)
            case Self.p384OID:
                return KeydKeyPair(handle: handle, kind: .p384, publicKey: Certificate.PublicKey(try P384.Signing.PublicKey(compressedRepresentation: point)), keys: keys)
            default:
                throw KeyPairError("key pair \(handle.prefix(16))…: unsupported EC curve (OID DER \(curve))")
            }
        case "RSA":
            let modulus = try Self.bytes(await keys.keyPairPublicParameter(handle: handle, name: "rsa-modulus"), "rsa-modulus")
            let exponent = try Self.bytes(await keys.keyPairPublicParameter(handle: handle, name: "rsa-exponent"), "rsa-exponent")
            let key = try _RSA.Signing.PublicKey(n: modulus, e: exponent)
            return KeydKeyPair(handle: handle, kind: .rsa(modulusBits: Self.bitCount(modulus)), publicKey: Certificate.PublicKey(key), keys: keys)
        default:
            throw KeyPairError("keyd reports an unsupported key algorithm \"\(algorithm)\"")
        }
    }

    private static func bytes(_ base64: String, _ name: String) throws -> [UInt8] {
        guard let bytes = Base64.decode(base64) else { throw KeyPairError("keyd's \(name) is not base64") }
        return bytes
    }

    /// DER of the named-curve OIDs keyd reports in `ec-curve-oid`.
    static let p256OID: [UInt8] = [0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07]
    static let p384OID: [UInt8] = [0x06, 0x05, 0x2B, 0x81, 0x04, 0x00, 0x22]

    static func bitCount(_ bigEndian: [UInt8]) -> Int {
        guard let first = bigEndian.firstIndex(where: { $0 != 0 }) else { return 0 }
        return (bigEndian.count - first - 1) * 8 + (8 - bigEndian[first].leadingZeroBitCount)
    }

    // MARK: Signing

    /// The hash functions signatures use.
    public enum HashFunction: Sendable {
        case sha256, sha384, sha512

        func hash(_ data: some DataProtocol) -> [UInt8] {
            switch self {
            case .sha256: Array(SHA256.hash(data: data))
            case .sha384: Array(SHA384.hash(data: data))
            case .sha512: Array(SHA512.hash(data: data))
            }
        }

        var length: Int {
            switch self {
            case .sha256: 32
            case .sha384: 48
            case .sha512: 64
            }
        }

        /// The DER DigestInfo prefix of PKCS#1 v1.5 signatures.
        var digestInfoPrefix: [UInt8] {
            let last: UInt8
            switch self {
            case .sha256: last = 0x01
            case .sha384: last = 0x02
            case .sha512: last = 0x03
            }
            return [0x30, UInt8(17 + length), 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, last, 0x05, 0x00, 0x04, UInt8(length)]
        }
    }

    /// Signs `data` (not yet hashed): ECDSA (DER signature) for EC keys; PKCS#1 v1.5 or PSS for RSA keys.
    public func sign(_ data: [UInt8], hash: HashFunction, pss: Bool) async throws -> [UInt8] {
        let digest = hash.hash(data)
        switch kind {
        case .p256, .p384:
            return try await keys.signECDSA(handle: handle, digest: digest)
        case .rsa(let modulusBits):
            if pss {
                let encoded = try Self.pssEncode(digest: digest, hash: hash, modulusBits: modulusBits)
                return try await keys.encryptRSA(handle: handle, plaintext: encoded, noPadding: true)
            }
            return try await keys.encryptRSA(handle: handle, plaintext: hash.digestInfoPrefix + digest, noPadding: false)
        }
    }

    /// EMSA-PSS-ENCODE (RFC 8017 §9.1.1) with MGF1 over the same hash and a salt as long as the hash, left-padded to the
    /// modulus length so keyd's raw RSA operation can take it.
    static func pssEncode(digest: [UInt8], hash: HashFunction, modulusBits: Int, salt: [UInt8]? = nil) throws -> [UInt8] {
        let hashLength = hash.length
        let emBits = modulusBits - 1
        let emLength = (emBits + 7) / 8
        guard emLength >= 2 * hashLength + 2 else { throw KeyPairError("RSA key of \(modulusBits) bits is too small for PSS") }
        let salt = salt ?? (0..<hashLength).map { _ in UInt8.random(in: 0...255) }
        let mPrime = [UInt8](repeating: 0, count: 8) + digest + salt
        let h = hash.hash(mPrime)
        var db = [UInt8](repeating: 0, count: emLength - salt.count - hashLength - 2) + [0x01] + salt
        let mask = mgf1(seed: h, length: db.count, hash: hash)
        for index in db.indices { db[index] ^= mask[index] }
        let unusedBits = 8 * emLength - emBits
        db[0] &= UInt8(0xFF) >> unusedBits
        let encoded = db + h + [0xBC]
        let modulusLength = (modulusBits + 7) / 8
        return [UInt8](repeating: 0, count: modulusLength - encoded.count) + encoded
    }

    static func mgf1(seed: [UInt8], length: Int, hash: HashFunction) -> [UInt8] {
        var output: [UInt8] = []
        var counter: UInt32 = 0
        while output.count < length {
            let counterBytes = withUnsafeBytes(of: counter.bigEndian) { Array($0) }
            output += hash.hash(seed + counterBytes)
            counter += 1
        }
        return Array(output.prefix(length))
    }
}

/// A key-pair failure with a readable reason.
struct KeyPairError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension KeydKeyPair: Hashable {
    public static func == (lhs: KeydKeyPair, rhs: KeydKeyPair) -> Bool { lhs.handle == rhs.handle }
    public func hash(into hasher: inout Hasher) { hasher.combine(handle) }
}

// MARK: CSRs and certificates (swift-certificates)

extension KeydKeyPair: CustomPrivateKey {
    public var defaultSignatureAlgorithm: Certificate.SignatureAlgorithm {
        switch kind {
        case .p256: .ecdsaWithSHA256
        case .p384: .ecdsaWithSHA384
        case .rsa: .sha256WithRSAEncryption
        }
    }

    public var supportedSignatureAlgorithms: [Certificate.SignatureAlgorithm] {
        switch kind {
        case .p256, .p384: [.ecdsaWithSHA256, .ecdsaWithSHA384, .ecdsaWithSHA512]
        case .rsa: [.sha256WithRSAEncryption, .sha384WithRSAEncryption, .sha512WithRSAEncryption]
        }
    }

    public func signSynchronously(bytes: some DataProtocol, signatureAlgorithm: Certificate.SignatureAlgorithm) throws -> Certificate.Signature {
        throw KeyPairError("a keyd key pair signs asynchronously only")
    }

    public func signAsynchronously(
        bytes: some DataProtocol & Sendable, signatureAlgorithm: Certificate.SignatureAlgorithm
    ) async throws -> Certificate.Signature {
        let hash: HashFunction
        switch signatureAlgorithm {
        case .ecdsaWithSHA256, .sha256WithRSAEncryption: hash = .sha256
        case .ecdsaWithSHA384, .sha384WithRSAEncryption: hash = .sha384
        case .ecdsaWithSHA512, .sha512WithRSAEncryption: hash = .sha512
        default: throw KeyPairError("unsupported signature algorithm \(signatureAlgorithm)")
        }
        let signature = try await sign(Array(bytes), hash: hash, pss: false)
        return try Certificate.Signature(signatureAlgorithm: signatureAlgorithm, signatureBytes: ASN1BitString(bytes: signature[...]))
    }

    public static var defaultPEMDiscriminator: String { "PRIVATE KEY" }

    public func serialize(into coder: inout DER.Serializer) throws {
        throw KeyPairError("a keyd key pair cannot be exported")
    }
}

// MARK: TLS client authentication (NIOSSL)

extension KeydKeyPair: NIOSSLCustomPrivateKey {
    public var signatureAlgorithms: [SignatureAlgorithm] {
        switch kind {
        case .p256: [.ecdsaSecp256R1Sha256]
        case .p384: [.ecdsaSecp384R1Sha384]
        case .rsa: [.rsaPssRsaeSha256, .rsaPssRsaeSha384, .rsaPssRsaeSha512, .rsaPkcs1Sha256, .rsaPkcs1Sha384, .rsaPkcs1Sha512]
        }
    }

    public func sign(channel: any Channel, algorithm: SignatureAlgorithm, data: ByteBuffer) -> EventLoopFuture<ByteBuffer> {
        let input = Array(data.readableBytesView)
        let parameters: (HashFunction, Bool)
        switch algorithm {
        case .ecdsaSecp256R1Sha256, .rsaPkcs1Sha256: parameters = (.sha256, false)
        case .ecdsaSecp384R1Sha384, .rsaPkcs1Sha384: parameters = (.sha384, false)
        case .ecdsaSecp521R1Sha512, .rsaPkcs1Sha512: parameters = (.sha512, false)
        case .rsaPssRsaeSha256: parameters = (.sha256, true)
        case .rsaPssRsaeSha384: parameters = (.sha384, true)
        case .rsaPssRsaeSha512: parameters = (.sha512, true)
        default:
            return channel.eventLoop.makeFailedFuture(KeyPairError("unsupported TLS signature algorithm \(algorithm)"))
        }
        let key = self
        return channel.eventLoop.makeFutureWithTask {
            ByteBuffer(bytes: try await key.sign(input, hash: parameters.0, pss: parameters.1))
        }
    }

    public func decrypt(channel: any Channel, data: ByteBuffer) -> EventLoopFuture<ByteBuffer> {
        channel.eventLoop.makeFailedFuture(KeyPairError("keyd keys do not decrypt (RSA key exchange is not offered)"))
    }
}
