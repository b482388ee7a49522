public import AziotClients
public import Foundation
public import Logging

/// The workload API's operations for modules: HMAC signing with a module's key, encryption with the device's master
/// encryption key, module certificates from the Edge CA and the trust bundles — everything through keyd, certd and
/// identityd, so this process never holds a module key. Each operation throws ``WorkloadError``s carrying the
/// reference's status and message. Caller authorization is separate (``ProcessContainerLookup``) and is applied by
/// the routes (``WorkloadAPI``).
public struct WorkloadService: Sendable {
    public let configuration: WorkloadConfiguration
    public let keys: KeyClient
    public let certs: CertClient
    public let moduleKeys: any ModuleKeySource
    public let callers: any ProcessContainerLookup
    public let moduleList: (any WorkloadModuleList)?
    let logger: Logger

    public init(
        configuration: WorkloadConfiguration,
        keys: KeyClient,
        certs: CertClient,
        moduleKeys: any ModuleKeySource,
        callers: any ProcessContainerLookup,
        moduleList: (any WorkloadModuleList)? = nil,
        logger: Logger
    ) {
        self.configuration = configuration
        self.keys = keys
        self.certs = certs
        self.moduleKeys = moduleKeys
        self.callers = callers
        self.moduleList = moduleList
        self.logger = logger
    }

    // MARK: Sign, encrypt, decrypt

    /// HMAC-SHA256 over `data` with the primary key of module `moduleId` (identityd's handle, keyd's signature).
    public func sign(moduleId: String, data: [UInt8]) async throws(WorkloadError) -> [UInt8] {
        let handle = try await moduleKeys.primaryKeyHandle(ofModule: moduleId)
        do {
            return [UInt8](try await keys.sign(handle, .hmacSHA256(message: Data(data))))
        } catch {
            throw .internalError("\(error)")
        }
    }

    /// AES-256-GCM with the master encryption key, `iv` as given and AAD = UTF-8 of `moduleId` then `genId` (no
    /// separator, exactly as in the request path). keyd's ciphertext format: `0x02 ‖ ciphertext ‖ 16-byte tag`.
    public func encrypt(moduleId: String, genId: String, plaintext: [UInt8], iv: [UInt8]) async throws(WorkloadError) -> [UInt8] {
        let key = try await masterEncryptionKey()
        do {
            return [UInt8](try await keys.encrypt(key, .aead(iv: Data(iv), aad: Self.aad(moduleId: moduleId, genId: genId)), plaintext: Data(plaintext)))
        } catch {
            throw .internalError("\(error)")
        }
    }

    /// The inverse of ``encrypt(moduleId:genId:plaintext:iv:)``; keyd also opens IoT Edge 1.1's format
    /// (`0x01 ‖ tag ‖ ciphertext`).
    public func decrypt(moduleId: String, genId: String, ciphertext: [UInt8], iv: [UInt8]) async throws(WorkloadError) -> [UInt8] {
        let key = try await masterEncryptionKey()
        do {
            return [UInt8](try await keys.decrypt(key, .aead(iv: Data(iv), aad: Self.aad(moduleId: moduleId, genId: genId)), ciphertext: Data(ciphertext)))
        } catch {
            throw .internalError("\(error)")
        }
    }

    /// The additional authenticated data of a module's secrets: `moduleId` and `genId` concatenated.
    public static func aad(moduleId: String, genId: String) -> Data { Data((moduleId + genId).utf8) }

    func masterEncryptionKey() async throws(WorkloadError) -> KeyHandle {
        do {
            return try await keys.createKey(id: configuration.masterEncryptionKeyId, usage: [.encrypt])
        } catch {
            throw .internalError("unable to load master encryption key: \(error)")
        }
    }

    // MARK: Trust bundles

    /// The PEM of the trust bundle; `404 certificate "<id>" not found` when certd has none.
    public func trustBundle() async throws(WorkloadError) -> String {
        let id = configuration.trustBundleCertId
        do {
            return try await certs.getCertificate(id: id)
        } catch {
            logger.info("trust bundle \(id): \(error)")
            throw WorkloadError(.notFound, "certificate \(Self.quoted(id)) not found")
        }
    }

    /// The PEM of the manifest trust bundle, or the empty string when certd has none.
    public func manifestTrustBundle() async -> String {
        (try? await certs.getCertificate(id: configuration.manifestTrustBundleCertId)) ?? ""
    }

    /// `"text"` with `"` and `\` escaped, as Rust's `{:?}` prints a string.
    static func quoted(_ text: String) -> String {
        var result = "\""
        for character in text.unicodeScalars {
            switch character {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            default: result.unicodeScalars.append(character)
            }
        }
        return result + "\""
    }
}
