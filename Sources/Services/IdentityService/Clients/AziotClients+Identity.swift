public import AziotClients
import Foundation
import NIOHTTP1

/// keyd's real client, as identityd uses it.
extension KeyClient: IdentityKeyClient {
    public func loadKey(id: String) async throws -> String { try await loadKey(id: id).rawValue }

    public func createKeyIfNotExists(id: String, usage: String) async throws -> String {
        try await createKey(id: id, usage: try Self.usages(usage)).rawValue
    }

    public func importKey(id: String, bytes: [UInt8], usage: String) async throws -> String {
        try await importKey(id: id, bytes: Data(bytes), usage: try Self.usages(usage)).rawValue
    }

    public func loadKeyPair(id: String) async throws -> String { try await loadKeyPair(id: id).rawValue }

    public func createKeyPairIfNotExists(id: String, preferredAlgorithms: String?) async throws -> String {
        try await createKeyPair(id: id, preferredAlgorithms: preferredAlgorithms).rawValue
    }

    public func deleteKeyPair(handle: String) async throws { try await deleteKeyPair(KeyHandle(handle)) }

    public func keyPairPublicParameter(handle: String, name: String) async throws -> String {
        try await keyPairParameter(KeyPairParameter(rawValue: name), of: KeyHandle(handle))
    }

    public func createDerivedKey(baseHandle: String, derivationData: [UInt8]) async throws -> String {
        try await createDerivedKey(base: KeyHandle(baseHandle), derivationData: Data(derivationData)).rawValue
    }

    public func exportDerivedKey(handle: String) async throws -> [UInt8] { Array(try await exportDerivedKey(KeyHandle(handle))) }

    public func signHMACSHA256(handle: String, message: [UInt8]) async throws -> [UInt8] {
        Array(try await sign(KeyHandle(handle), .hmacSHA256(message: Data(message))))
    }

    public func signECDSA(handle: String, digest: [UInt8]) async throws -> [UInt8] {
        Array(try await sign(KeyHandle(handle), .ecdsa(digest: Data(digest))))
    }

    public func encryptRSA(handle: String, plaintext: [UInt8], noPadding: Bool) async throws -> [UInt8] {
        Array(try await encrypt(KeyHandle(handle), noPadding ? .rsaNoPadding : .rsaPKCS1, plaintext: Data(plaintext)))
    }

    /// `"derive,sign"` as keyd usages.
    static func usages(_ text: String) throws -> [KeyUsage] {
        try text.split(separator: ",").map { token in
            guard let usage = KeyUsage(rawValue: String(token)) else {
                throw KeyClientError(status: .badRequest, message: "unknown key usage \(token)")
            }
            return usage
        }
    }
}

/// certd's real client, as identityd uses it.
extension CertClient: IdentityCertClient {
    public func createCertificate(id: String, csrPEM: String) async throws -> String {
        try await createCertificate(id: id, csrPEM: csrPEM, issuer: nil)
    }

    public func importCertificate(id: String, pem: String) async throws {
        let _: String = try await importCertificate(id: id, pem: pem)
    }
}
