import _CryptoExtras
import Crypto
import Foundation
import IdentityService
import Synchronization

/// **The in-test key store**: an in-memory stand-in for keyd, implementing ``IdentityKeyClient`` with real
/// cryptography (HMAC-SHA256 from swift-crypto, P-256 ECDSA over a given digest, RSA raw private-key operations through
/// swift-crypto's RSA blind-signing primitive). It exists until identityd's tests run against a real keyd; it keeps
/// keyd's semantics that identityd relies on: create-if-not-exists, import overwrites, derived keys are
/// HMAC-SHA256(base, data) and cannot be nested, handles are opaque and minted afresh on every load.
final class InTestKeyStore: IdentityKeyClient, Sendable {
    enum KeyPair: Sendable {
        case p256(P256.Signing.PrivateKey)
        case rsa(_RSA.Signing.PrivateKey)
    }

    enum Reference: Sendable, Equatable {
        case key(String)
        case keyPair(String)
        case derived(baseKey: String, data: [UInt8])
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    private struct State {
        var keys: [String: [UInt8]] = [:]
        var keyPairs: [String: KeyPair] = [:]
        var handles: [String: Reference] = [:]
        var operations: [String] = []
    }

    private let state = Mutex(State())

    init() {}

    // MARK: Test helpers

    /// Stores a symmetric key as keyd's import would.
    func setKey(_ id: String, _ bytes: [UInt8]) {
        state.withLock { $0.keys[id] = bytes }
    }

    func key(_ id: String) -> [UInt8]? { state.withLock { $0.keys[id] } }

    func keyPair(_ id: String) -> KeyPair? { state.withLock { $0.keyPairs[id] } }

    func setKeyPair(_ id: String, _ pair: KeyPair) { state.withLock { $0.keyPairs[id] = pair } }

    /// What a handle refers to.
    func reference(of handle: String) -> Reference? { state.withLock { $0.handles[handle] } }

    /// Names of the operations called so far, e.g. `signHMACSHA256`.
    var operations: [String] { state.withLock { $0.operations } }

    private func mint(_ reference: Reference, _ operation: String) -> String {
        let handle = "sr=\(UUID().uuidString)&sig=in-test-key-store"
        state.withLock {
            $0.handles[handle] = reference
            $0.operations.append(operation)
        }
        return handle
    }

    private func resolve(_ handle: String, _ operation: String) throws -> Reference {
        try state.withLock {
            $0.operations.append(operation)
            guard let reference = $0.handles[handle] else { throw Failure("400 invalid handle") }
            return reference
        }
    }

    private func symmetricKey(_ reference: Reference) throws -> [UInt8] {
        try state.withLock { state in
            switch reference {
            case .key(let id):
                guard let key = state.keys[id] else { throw Failure("key \(id) not found") }
                return key
            case .derived(let base, let data):
                guard let key = state.keys[base] else { throw Failure("key \(base) not found") }
                return Array(HMAC<SHA256>.authenticationCode(for: data, using: SymmetricKey(data: key)))
            case .keyPair:
                throw Failure("mechanism cannot be used with this key type")
            }
        }
    }

    private func pair(_ reference: Reference) throws -> KeyPair {
        try state.withLock { state in
            guard case .keyPair(let id) = reference, let pair = state.keyPairs[id] else { throw Failure("not a key pair") }
            return pair
        }
    }

    // MARK: IdentityKeyClient

    func loadKey(id: String) async throws -> String {
        guard key(id) != nil else { throw Failure("parameter \"id\" has an invalid value: key \(id) not found") }
        return mint(.key(id), "loadKey")
    }

    func createKeyIfNotExists(id: String, usage: String) async throws -> String {
        state.withLock { state in
            if state.keys[id] == nil { state.keys[id] = (0..<32).map { _ in UInt8.random(in: 0...255) } }
        }
        return mint(.key(id), "createKeyIfNotExists")
    }

    func importKey(id: String, bytes: [UInt8], usage: String) async throws -> String {
        setKey(id, bytes)
        return mint(.key(id), "importKey")
    }

    func loadKeyPair(id: String) async throws -> String {
        guard keyPair(id) != nil else { throw Failure("key pair \(id) not found") }
        return mint(.keyPair(id), "loadKeyPair")
    }

    func createKeyPairIfNotExists(id: String, preferredAlgorithms: String?) async throws -> String {
        if keyPair(id) == nil {
            let first = (preferredAlgorithms ?? "*").split(separator: ":").first.map(String.init) ?? "*"
            let pair: KeyPair
            switch first {
            case "rsa-2048": pair = .rsa(try _RSA.Signing.PrivateKey(keySize: .bits2048))
            case "ec-p256", "*": pair = .p256(P256.Signing.PrivateKey())
            default: throw Failure("unsupported algorithm \(first)")
            }
            setKeyPair(id, pair)
        }
        return mint(.keyPair(id), "createKeyPairIfNotExists")
    }

    func deleteKeyPair(handle: String) async throws {
        guard case .keyPair(let id) = try resolve(handle, "deleteKeyPair") else { throw Failure("not a key pair") }
        state.withLock { _ = $0.keyPairs.removeValue(forKey: id) }
    }

    func keyPairPublicParameter(handle: String, name: String) async throws -> String {
        let pair = try pair(try resolve(handle, "keyPairPublicParameter"))
        switch (pair, name) {
        case (.p256, "algorithm"): return "ECDSA"
        case (.rsa, "algorithm"): return "RSA"
        case (.p256, "ec-curve-oid"): return Data([0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07]).base64EncodedString()
        case (.p256(let key), "ec-point"): return key.publicKey.compressedRepresentation.base64EncodedString()
        case (.rsa(let key), "rsa-modulus"): return try key.publicKey.getKeyPrimitives().modulus.base64EncodedString()
        case (.rsa(let key), "rsa-exponent"): return try key.publicKey.getKeyPrimitives().publicExponent.base64EncodedString()
        default: throw Failure("parameter \(name) does not apply to this key")
        }
    }

    func createDerivedKey(baseHandle: String, derivationData: [UInt8]) async throws -> String {
        switch try resolve(baseHandle, "createDerivedKey") {
        case .key(let id): return mint(.derived(baseKey: id, data: derivationData), "createDerivedKey")
        case .derived: throw Failure("nested derived keys are not supported, import the outer derived key first")
        case .keyPair: throw Failure("cannot derive from a key pair")
        }
    }

    func exportDerivedKey(handle: String) async throws -> [UInt8] {
        let reference = try resolve(handle, "exportDerivedKey")
        guard case .derived = reference else { throw Failure("not a derived key") }
        return try symmetricKey(reference)
    }

    func signHMACSHA256(handle: String, message: [UInt8]) async throws -> [UInt8] {
        let key = try symmetricKey(try resolve(handle, "signHMACSHA256"))
        return Array(HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: key)))
    }

    func signECDSA(handle: String, digest: [UInt8]) async throws -> [UInt8] {
        guard case .p256(let key) = try pair(try resolve(handle, "signECDSA")) else { throw Failure("mechanism cannot be used with this key type") }
        return Array(try key.signature(for: RawDigest(bytes: digest)).derRepresentation)
    }

    func encryptRSA(handle: String, plaintext: [UInt8], noPadding: Bool) async throws -> [UInt8] {
        guard case .rsa(let key) = try pair(try resolve(handle, "encryptRSA")) else { throw Failure("mechanism cannot be used with this key type") }
        let modulusLength = try key.publicKey.getKeyPrimitives().modulus.count
        var block = plaintext
        if !noPadding {
            // PKCS#1 v1.5 type 1: 00 01 FF…FF 00 ‖ data.
            guard plaintext.count <= modulusLength - 11 else { throw Failure("data too long for the key") }
            block = [0x00, 0x01] + [UInt8](repeating: 0xFF, count: modulusLength - plaintext.count - 3) + [0x00] + plaintext
        }
        guard block.count == modulusLength else { throw Failure("RSA-NO-PADDING input must be \(modulusLength) bytes") }
        // The blind-signing primitive is the raw RSA private-key operation.
        let raw = try _RSA.BlindSigning.PrivateKey(derRepresentation: key.derRepresentation)
        return Array(try raw.blindSignature(for: block).rawRepresentation)
    }
}

/// A digest computed elsewhere, for swift-crypto's `signature(for: some Digest)`.
struct RawDigest: Digest {
    static var byteCount: Int { 32 }
    let bytes: [UInt8]

    func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try bytes.withUnsafeBytes(body)
    }

    func makeIterator() -> IndexingIterator<[UInt8]> { bytes.makeIterator() }
    var description: String { bytes.map { String(format: "%02x", $0) }.joined() }
}
