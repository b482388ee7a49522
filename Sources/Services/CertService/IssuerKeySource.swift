public import X509

/// Where certd gets the private keys it signs with. Keys never leave keyd: the production source wraps a key
/// handle in a `Certificate.PrivateKey` whose signing calls keyd's `/sign` or `/encrypt`.
public protocol IssuerKeySource: Sendable {
    /// The key pair stored in keyd under `keyPairId` (for `self_signed` and `local_ca` issuance).
    func privateKey(keyPairId: String) async throws -> Certificate.PrivateKey
    /// The key pair a caller named by handle (`issuer.privateKeyHandle`).
    func privateKey(handle: String) async throws -> Certificate.PrivateKey
}
