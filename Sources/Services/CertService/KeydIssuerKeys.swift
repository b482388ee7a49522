public import AziotClients
public import X509

/// The production ``IssuerKeySource``: key pairs held by keyd, used through their handles.
public struct KeydIssuerKeys: IssuerKeySource {
    public let client: KeyClient

    public init(client: KeyClient) { self.client = client }

    public func privateKey(keyPairId: String) async throws -> Certificate.PrivateKey {
        Certificate.PrivateKey(try await KeydPrivateKey.load(handle: try await client.loadKeyPair(id: keyPairId), client: client))
    }

    public func privateKey(handle: String) async throws -> Certificate.PrivateKey {
        Certificate.PrivateKey(try await KeydPrivateKey.load(handle: KeyHandle(handle), client: client))
    }
}
