import Crypto
import Foundation
import _CryptoExtras

/// An RSA private key and keyd's two private-key operations (`/encrypt` `RSA-PKCS1` and `RSA-NO-PADDING`).
///
/// swift-crypto has no "sign these exact bytes" RSA call, but its RSA blind-signature issuer (RFC 9474 `BlindSign`)
/// is exactly the raw private-key operation `s = m^d mod n` over a modulus-sized input (BoringSSL `RSA_sign_raw` with
/// `RSA_NO_PADDING`: CRT, blinding, constant time, result checked). PKCS#1 v1.5 type 1 padding is added here.
struct RSAPrivateKey {
    /// For the public parameters.
    let signingKey: _RSA.Signing.PrivateKey
    /// For the raw private-key operation.
    let rawKey: _RSA.BlindSigning.PrivateKey<SHA384>
    /// Big-endian, no leading zeros.
    let modulus: [UInt8]
    let publicExponent: [UInt8]

    init?(pem: String) {
        guard let signingKey = try? _RSA.Signing.PrivateKey(unsafePEMRepresentation: pem),
            let rawKey = try? _RSA.BlindSigning.PrivateKey<SHA384>(unsafePEMRepresentation: pem),
            let primitives = try? signingKey.publicKey.getKeyPrimitives()
        else { return nil }
        self.signingKey = signingKey
        self.rawKey = rawKey
        self.modulus = Array(primitives.modulus)
        self.publicExponent = Array(primitives.publicExponent)
    }

    /// The modulus size in bytes: the length of every output.
    var size: Int { modulus.count }

    /// `RSA-PKCS1`: `EM = 0x00 ‖ 0x01 ‖ 0xFF… (≥ 8) ‖ 0x00 ‖ data`, then the private-key operation.
    func pkcs1Sign(_ data: Data) throws(KeyServiceError) -> Data {
        guard data.count <= size - 11 else {
            throw .invalidParameter("plaintext", "data too large for key size: \(data.count) bytes, at most \(size - 11) with PKCS#1 padding")
        }
        var block = [UInt8](repeating: 0xFF, count: size)
        block[0] = 0x00
        block[1] = 0x01
        block[size - data.count - 1] = 0x00
        block.replaceSubrange((size - data.count)..., with: data)
        return try rawPrivateOperation(block)
    }

    /// `RSA-NO-PADDING`: the input must be exactly modulus-sized and, as a number, below the modulus.
    func rawPrivateOperation(_ input: some DataProtocol) throws(KeyServiceError) -> Data {
        guard input.count == size else {
            throw .invalidParameter("plaintext", "RSA-NO-PADDING needs exactly \(size) bytes (the modulus size), got \(input.count)")
        }
        guard Array(input).lexicographicallyPrecedes(modulus) else {
            throw .invalidParameter("plaintext", "the data, as a number, is not less than the modulus")
        }
        do {
            return try rawKey.blindSignature(for: Data(input)).rawRepresentation
        } catch {
            throw .internalError("the RSA private-key operation failed: \(error)")
        }
    }
}
