public import AziotClients
import AziotConfig
import Crypto
public import Foundation
public import Logging

/// The Keys Service (aziot-keyd): symmetric keys and key pairs kept in files (libaziot-keys' layout), handed out as
/// signed key handles, and the crypto operations on them.
///
/// All state sits in this actor, so operations run one at a time, as keyd's global mutex makes them. Errors are
/// ``KeyServiceError``s, shaped as keyd answers them.
///
/// Where it differs from the reference (same wire format and statuses otherwise):
/// - only the filesystem backend: PKCS#11 settings make ``init(configuration:logger:)`` fail;
/// - backend errors name their cause (`parameter "id" has an invalid value` / `caused by: not found`) where keyd
///   says only `a parameter has an invalid value`;
/// - a ciphertext that does not authenticate, a move whose source is missing and `/parameters` on a handle that is
///   not a key pair's are `400`s (keyd: `500 internal error`);
/// - key files are written atomically (temporary file, fsync, rename) with mode 0600, `keys/` is created 0700.
public actor KeyService {
    /// The id of the symmetric key that signs handles, created on first use through the same store.
    public static let handleValidationKeyID = "handle-validation-key"

    private let store: KeyFileStore
    private var principals: [UInt32: [PrincipalPattern]]
    private let logger: Logger

    /// Validates the configuration. Refuses PKCS#11 (`pkcs11_lib_path`, `pkcs11_base_slot`, `pkcs11:` preloaded
    /// keys): this build only has the filesystem backend.
    public init(configuration: KeydConfiguration, logger: Logger) throws(KeyServiceError) {
        if configuration.aziotKeys.pkcs11LibPath != nil || configuration.aziotKeys.pkcs11BaseSlot != nil {
            throw .configuration(
                "PKCS#11 is not supported by this build: remove pkcs11_lib_path and pkcs11_base_slot from [aziot_keys] to keep keys in \(configuration.aziotKeys.homedirPath)/keys"
            )
        }
        var preloaded: [String: String] = [:]
        for (id, location) in configuration.preloadedKeys {
            switch location {
            case .file(let path):
                preloaded[id] = path
            case .pkcs11(let uri):
                throw .configuration("PKCS#11 is not supported by this build: [preloaded_keys] \(id) = \"\(uri)\"; preload the key as a file:// URI instead")
            }
        }
        guard configuration.aziotKeys.homedirPath.hasPrefix("/") else {
            throw .configuration("[aziot_keys] homedir_path must be an absolute path, found \"\(configuration.aziotKeys.homedirPath)\"")
        }
        var homedir = configuration.aziotKeys.homedirPath
        while homedir.count > 1, homedir.hasSuffix("/") { homedir.removeLast() }
        self.store = KeyFileStore(homeDirectory: homedir, preloaded: preloaded)
        self.principals = Self.principalMap(configuration.principals)
        self.logger = logger
    }

    /// Replaces the principals (keyd applies only these on a config reload).
    public func updatePrincipals(_ principals: [KeydConfiguration.Principal]) {
        self.principals = Self.principalMap(principals)
    }

    /// The file key `id` is kept in.
    public nonisolated func keyFilePath(for id: String) -> String { store.path(for: id) }

    // MARK: Symmetric keys

    /// `POST /key`: imports `bytes` (overwriting) or, without them, creates 32 random bytes unless a non-empty key file
    /// exists. `usage` only matters to PKCS#11 backends.
    public func createKey(id: String, usage: [KeyUsage], importing bytes: Data?, caller uid: UInt32) throws -> KeyHandle {
        try authorize(uid, id)
        let path = store.path(for: id)
        if let bytes {
            guard !bytes.isEmpty else { throw KeyServiceError.invalidParameter("keyBytes", "the key is empty") }
            try store.write(Array(bytes), to: path)
            logger.info("imported key \(id)")
        } else if try store.read(path)?.isEmpty ?? true {
            try store.write(Self.randomBytes(32), to: path)
            logger.info("created key \(id)")
        }
        return try mint(.key(id))
    }

    /// `GET /key/{id}`.
    public func loadKey(id: String, caller uid: UInt32) throws -> KeyHandle {
        try authorize(uid, id)
        _ = try symmetricKey(id)
        return try mint(.key(id))
    }

    /// `DELETE /key` (a valid handle is the only authorization).
    public func deleteKey(_ handle: KeyHandle) throws {
        guard case .key(let id) = try resolve(handle) else { throw KeyServiceError.invalidParameter("handle", "handle is not for a key") }
        try store.remove(store.path(for: id))
        logger.info("deleted key \(id)")
    }

    // MARK: Key pairs

    /// `POST /keypair`: creates a key pair with the first of the preferred algorithms unless a loadable one exists.
    public func createKeyPair(id: String, preferredAlgorithms: String?, caller uid: UInt32) throws -> KeyHandle {
        try authorize(uid, id)
        let path = store.path(for: id)
        if try store.read(path).flatMap({ KeyPairMaterial(pem: String(decoding: $0, as: UTF8.self)) }) == nil {
            guard let algorithm = KeyPairAlgorithm.parsePreferences(preferredAlgorithms).first else {
                throw KeyServiceError.invalidParameter("preferred_algorithms", "none specified: use ec-p256, rsa-2048, rsa-4096 or *")
            }
            try store.write(Array(try KeyPairMaterial.generatePEM(algorithm).utf8), to: path)
            logger.info("created key pair \(id) (\(algorithm))")
        }
        return try mint(.keyPair(id))
    }

    /// `GET /keypair/{id}`.
    public func loadKeyPair(id: String, caller uid: UInt32) throws -> KeyHandle {
        try authorize(uid, id)
        _ = try keyPair(id)
        return try mint(.keyPair(id))
    }

    /// `POST /keypair/{to}` with `{"from"}`: renames the key pair file over the destination's.
    public func moveKeyPair(from: String, to: String, caller uid: UInt32) throws {
        guard from != to else { throw KeyServiceError.badRequest("source and destination for move are identical") }
        try authorize(uid, from)
        try authorize(uid, to)
        guard try store.move(store.path(for: from), to: store.path(for: to)) else {
            throw KeyServiceError.invalidParameter("from", "not found")
        }
        logger.info("moved key pair \(from) to \(to)")
    }

    /// `DELETE /keypair`.
    public func deleteKeyPair(_ handle: KeyHandle) throws {
        guard case .keyPair(let id) = try resolve(handle) else {
            throw KeyServiceError.invalidParameter("handle", "handle is not for a key pair")
        }
        try store.remove(store.path(for: id))
        logger.info("deleted key pair \(id)")
    }

    /// `POST /parameters/{name}`.
    public func keyPairParameter(_ name: String, of handle: KeyHandle) throws -> String {
        guard case .keyPair(let id) = try resolve(handle) else {
            throw KeyServiceError.invalidParameter("handle", "handle is not for a key pair")
        }
        return try keyPair(id).parameter(name)
    }

    // MARK: Derived keys

    /// `POST /derivedkey`: a handle for `HMAC-SHA256(base, derivationData)`; nothing is stored.
    public func createDerivedKey(base: KeyHandle, derivationData: Data) throws -> KeyHandle {
        if case .derived = try resolve(base) { throw KeyServiceError.nestedDerivation }
        return try mint(.derived(baseHandle: base.rawValue, derivationData: Array(derivationData)))
    }

    /// `POST /derivedkey/export`: the 32 derived bytes.
    public func exportDerivedKey(_ handle: KeyHandle) throws -> Data {
        guard case .derived(let baseID, let data) = try resolve(handle) else {
            throw KeyServiceError.invalidParameter("handle", "handle is not for a derived key")
        }
        return Data(try derivedKey(baseID: baseID, derivationData: data))
    }

    // MARK: Operations

    /// `POST /sign`: `ECDSA` with key pairs, `HMAC-SHA256` with symmetric and derived keys.
    public func sign(_ handle: KeyHandle, _ mechanism: KeySignMechanism) throws -> Data {
        switch (try resolve(handle), mechanism) {
        case (.keyPair(let id), .ecdsa(let digest)):
            let key = try keyPair(id)
            if case .rsa = key { throw KeyServiceError.mechanismMismatch }
            return try key.signECDSA(digest: digest)
        case (.key(let id), .hmacSHA256(let message)):
            return Data(SymmetricKeyOperations.hmacSHA256(key: try symmetricKey(id), message: message))
        case (.derived(let baseID, let data), .hmacSHA256(let message)):
            return Data(SymmetricKeyOperations.hmacSHA256(key: try derivedKey(baseID: baseID, derivationData: data), message: message))
        default:
            throw KeyServiceError.mechanismMismatch
        }
    }

    /// `POST /encrypt`: `AEAD` with symmetric and derived keys; `RSA-PKCS1`/`RSA-NO-PADDING` private-key operations
    /// with RSA key pairs.
    public func encrypt(_ handle: KeyHandle, _ mechanism: KeyEncryptMechanism, plaintext: Data) throws -> Data {
        switch (try resolve(handle), mechanism) {
        case (.key(let id), .aead(let iv, let aad)):
            return Data(try SymmetricKeyOperations.seal(key: try symmetricKey(id), iv: iv, aad: aad, plaintext: plaintext))
        case (.derived(let baseID, let data), .aead(let iv, let aad)):
            let key = try derivedKey(baseID: baseID, derivationData: data)
            return Data(try SymmetricKeyOperations.seal(key: key, iv: iv, aad: aad, plaintext: plaintext))
        case (.keyPair(let id), .rsaPKCS1), (.keyPair(let id), .rsaNoPadding):
            guard case .rsa(let key) = try keyPair(id) else { throw KeyServiceError.mechanismMismatch }
            return mechanism == .rsaPKCS1 ? try key.pkcs1Sign(plaintext) : try key.rawPrivateOperation(plaintext)
        default:
            throw KeyServiceError.mechanismMismatch
        }
    }

    /// `POST /decrypt`: `AEAD` only (ciphertext formats v1 and v2).
    public func decrypt(_ handle: KeyHandle, _ mechanism: KeyEncryptMechanism, ciphertext: Data) throws -> Data {
        switch (try resolve(handle), mechanism) {
        case (.key(let id), .aead(let iv, let aad)):
            return Data(try SymmetricKeyOperations.open(key: try symmetricKey(id), iv: iv, aad: aad, ciphertext: ciphertext))
        case (.derived(let baseID, let data), .aead(let iv, let aad)):
            let key = try derivedKey(baseID: baseID, derivationData: data)
            return Data(try SymmetricKeyOperations.open(key: key, iv: iv, aad: aad, ciphertext: ciphertext))
        default:
            throw KeyServiceError.mechanismMismatch
        }
    }

    // MARK: Internals

    /// A handle's subject after validation; a derived handle's base handle is validated too and must not be derived.
    private enum Resolved {
        case key(String)
        case keyPair(String)
        case derived(baseID: String, derivationData: [UInt8])
    }

    private func resolve(_ handle: KeyHandle) throws(KeyServiceError) -> Resolved {
        let validationKey = try handleValidationKey()
        switch try KeyHandleCodec.verify(handle.rawValue, validationKey: validationKey) {
        case .key(let id):
            return .key(id)
        case .keyPair(let id):
            return .keyPair(id)
        case .derived(let baseHandle, let data):
            switch try KeyHandleCodec.verify(baseHandle, validationKey: validationKey) {
            case .key(let id), .keyPair(let id): return .derived(baseID: id, derivationData: data)
            case .derived: throw .nestedDerivation
            }
        }
    }

    private func mint(_ subject: KeyHandleSubject) throws(KeyServiceError) -> KeyHandle {
        KeyHandle(try KeyHandleCodec.mint(subject, validationKey: try handleValidationKey()))
    }

    /// Loads (or creates: missing or empty file) `handle-validation-key`.
    private func handleValidationKey() throws(KeyServiceError) -> SymmetricKey {
        let path = store.path(for: Self.handleValidationKeyID)
        if let bytes = try store.read(path), !bytes.isEmpty { return SymmetricKey(data: bytes) }
        let bytes = Self.randomBytes(32)
        try store.write(bytes, to: path)
        logger.info("created key \(Self.handleValidationKeyID)")
        return SymmetricKey(data: bytes)
    }

    private func symmetricKey(_ id: String) throws(KeyServiceError) -> [UInt8] {
        let path = store.path(for: id)
        guard let bytes = try store.read(path) else { throw .invalidParameter("id", "not found") }
        guard !bytes.isEmpty else { throw .internalError("the key file \(path) of key \(id) is empty") }
        return bytes
    }

    private func keyPair(_ id: String) throws(KeyServiceError) -> KeyPairMaterial {
        let path = store.path(for: id)
        guard let bytes = try store.read(path) else { throw .invalidParameter("id", "not found") }
        guard let key = KeyPairMaterial(pem: String(decoding: bytes, as: UTF8.self)) else {
            throw .internalError("the key file \(path) of key pair \(id) does not hold a supported PEM private key")
        }
        return key
    }

    /// `HMAC-SHA256(base key bytes, derivationData)`. Like keyd, the base's file is read as symmetric key bytes.
    private func derivedKey(baseID: String, derivationData: [UInt8]) throws(KeyServiceError) -> [UInt8] {
        SymmetricKeyOperations.hmacSHA256(key: try symmetricKey(baseID), message: derivationData)
    }

    private func authorize(_ uid: UInt32, _ id: String) throws(KeyServiceError) {
        if uid == 0 { return }
        guard let patterns = principals[uid], patterns.contains(where: { $0.matches(id) }) else {
            throw .unauthorized(uid: uid, keyID: id)
        }
    }

    private static func principalMap(_ principals: [KeydConfiguration.Principal]) -> [UInt32: [PrincipalPattern]] {
        var map: [UInt32: [PrincipalPattern]] = [:]
        for principal in principals { map[principal.uid, default: []] += principal.keys.map(PrincipalPattern.init) }
        return map
    }

    private static func randomBytes(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in generator.next() }
    }
}
