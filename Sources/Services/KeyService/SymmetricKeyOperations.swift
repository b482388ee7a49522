import Crypto
import Foundation

/// The operations on symmetric key bytes: HMAC-SHA256 (sign, derive) and AES-256-GCM in keyd's versioned format.
enum SymmetricKeyOperations {
    /// `HMAC-SHA256(key, message)`, 32 bytes. Also how derived keys are made: `HMAC-SHA256(base, derivationData)`.
    static func hmacSHA256(key: [UInt8], message: some DataProtocol) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: key)))
    }

    /// AES-256-GCM, always in format v2: `0x02 ‖ ciphertext ‖ tag(16)`.
    static func seal(key: [UInt8], iv: Data, aad: Data, plaintext: Data) throws(KeyServiceError) -> [UInt8] {
        let (symmetricKey, nonce) = try prepare(key: key, iv: iv)
        guard let nonce else {
            do {
                let (ciphertext, tag) = try GCMWithShortIV.seal(key: symmetricKey, iv: Array(iv), aad: Array(aad), plaintext: Array(plaintext))
                return [0x02] + ciphertext + tag
            } catch {
                throw .internalError("AES-GCM encryption failed: \(error)")
            }
        }
        do {
            let box = try AES.GCM.seal(plaintext, using: symmetricKey, nonce: nonce, authenticating: aad)
            return [0x02] + Array(box.ciphertext) + Array(box.tag)
        } catch {
            throw .internalError("AES-GCM encryption failed: \(error)")
        }
    }

    /// Opens format v2 (`0x02 ‖ ciphertext ‖ tag`) or v1 (`0x01 ‖ tag ‖ ciphertext`, IoT Edge ≤ 1.1).
    static func open(key: [UInt8], iv: Data, aad: Data, ciphertext: Data) throws(KeyServiceError) -> [UInt8] {
        let bytes = Array(ciphertext)
        guard let version = bytes.first, bytes.count >= 1 + 16 else { throw .invalidParameter("ciphertext", "malformed") }
        let body = bytes[1...]
        let sealed: ArraySlice<UInt8>
        let tag: ArraySlice<UInt8>
        switch version {
        case 0x01:
            tag = body.prefix(16)
            sealed = body.dropFirst(16)
        case 0x02:
            sealed = body.dropLast(16)
            tag = body.suffix(16)
        default:
            throw .invalidParameter("ciphertext", "unknown version \(version)")
        }
        let (symmetricKey, nonce) = try prepare(key: key, iv: iv)
        guard let nonce else {
            let opened: [UInt8]?
            do {
                opened = try GCMWithShortIV.open(key: symmetricKey, iv: Array(iv), aad: Array(aad), ciphertext: Array(sealed), tag: Array(tag))
            } catch {
                throw .internalError("AES-GCM decryption failed: \(error)")
            }
            guard let opened else { throw Self.authenticationFailure }
            return opened
        }
        let box: AES.GCM.SealedBox
        do {
            box = try AES.GCM.SealedBox(nonce: nonce, ciphertext: sealed, tag: tag)
        } catch {
            throw .invalidParameter("ciphertext", "malformed")
        }
        do {
            return Array(try AES.GCM.open(box, using: symmetricKey, authenticating: aad))
        } catch {
            throw Self.authenticationFailure
        }
    }

    private static let authenticationFailure = KeyServiceError.invalidParameter(
        "ciphertext", "decryption failed: the ciphertext, IV or AAD was altered, or another key encrypted it"
    )

    /// The key, and the nonce for `AES.GCM` (nil for an IV shorter than 12 bytes: ``GCMWithShortIV`` takes those).
    private static func prepare(key: [UInt8], iv: Data) throws(KeyServiceError) -> (SymmetricKey, AES.GCM.Nonce?) {
        guard key.count == 32 else {
            throw .invalidParameter("handle", "the key is \(key.count) bytes long; AEAD (AES-256-GCM) needs a 32-byte key")
        }
        guard !iv.isEmpty else { throw .invalidParameter("iv", "AES-GCM needs a non-empty IV") }
        if iv.count < 12 { return (SymmetricKey(data: key), nil) }
        guard let nonce = try? AES.GCM.Nonce(data: iv) else { throw .invalidParameter("iv", "not usable as an AES-GCM nonce") }
        return (SymmetricKey(data: key), nonce)
    }
}
