/// The keyd operations identityd needs (§2.2), with key handles as opaque strings and binary values as byte arrays.
/// The keyd client of the `AziotClients` target conforms to it; tests use an in-memory store.
///
/// Errors thrown are reported to identityd's callers as `Key client error` (or `internal error` for the master key),
/// as the reference does.
public protocol IdentityKeyClient: Sendable {
    /// `GET /key/{keyId}`: the handle of an existing symmetric key.
    func loadKey(id: String) async throws -> String
    /// `POST /key` without `keyBytes`: create-if-not-exists; `usage` is the comma-separated list (`derive,sign`).
    func createKeyIfNotExists(id: String, usage: String) async throws -> String
    /// `POST /key` with `keyBytes`: import, replacing any existing key.
    func importKey(id: String, bytes: [UInt8], usage: String) async throws -> String
    /// `GET /keypair/{keyPairId}`.
    func loadKeyPair(id: String) async throws -> String
    /// `POST /keypair`: create-if-not-exists with preferred algorithms (e.g. `rsa-2048:*`).
    func createKeyPairIfNotExists(id: String, preferredAlgorithms: String?) async throws -> String
    /// `DELETE /keypair`.
    func deleteKeyPair(handle: String) async throws
    /// `POST /parameters/{name}`: `algorithm`, `ec-curve-oid`, `ec-point`, `rsa-modulus`, `rsa-exponent`.
    func keyPairPublicParameter(handle: String, name: String) async throws -> String
    /// `POST /derivedkey`: HMAC-SHA256(base, derivationData) as a new handle.
    func createDerivedKey(baseHandle: String, derivationData: [UInt8]) async throws -> String
    /// `POST /derivedkey/export`: the 32 derived bytes.
    func exportDerivedKey(handle: String) async throws -> [UInt8]
    /// `POST /sign` with `HMAC-SHA256` over `message`.
    func signHMACSHA256(handle: String, message: [UInt8]) async throws -> [UInt8]
    /// `POST /sign` with `ECDSA` over an already computed digest; the answer is a DER `ECDSA-Sig-Value`.
    func signECDSA(handle: String, digest: [UInt8]) async throws -> [UInt8]
    /// `POST /encrypt` with `RSA-PKCS1` (`noPadding: false`, PKCS#1 v1.5 type 1 over e.g. a DigestInfo) or
    /// `RSA-NO-PADDING` (`noPadding: true`, the raw private-key operation on a pre-padded block).
    func encryptRSA(handle: String, plaintext: [UInt8], noPadding: Bool) async throws -> [UInt8]
}
