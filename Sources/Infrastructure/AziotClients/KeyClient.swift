public import Foundation
public import NIOCore
import NIOHTTP1
public import NIOPosix
public import UnixSocketHTTP

/// A client of the Keys Service (aziot-keyd) HTTP API over its Unix socket: one method per endpoint.
///
/// Errors: a non-2xx answer throws ``KeyClientError`` with the status and the server's message; a transport failure
/// throws the ``UnixSocketHTTPError`` of the underlying client.
public struct KeyClient: Sendable {
    /// The `api-version` sent with every request. Default `2021-05-01`.
    public let apiVersion: String
    public let http: UnixSocketHTTPClient

    public init(
        socketPath: String,
        apiVersion: String = "2021-05-01",
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) {
        self.apiVersion = apiVersion
        self.http = UnixSocketHTTPClient(socketPath: socketPath, host: "keyd.sock", eventLoopGroup: eventLoopGroup)
    }

    // MARK: Symmetric keys

    /// `POST /key` without key bytes: creates a random 32-byte key unless one exists.
    public func createKey(id: String, usage: [KeyUsage]) async throws -> KeyHandle {
        let response: KeyHandleResponse = try await call(.POST, "/key", body: CreateKeyRequest(keyId: id, usage: usage))
        return response.keyHandle
    }

    /// `POST /key` with key bytes: imports (overwrites) the key.
    public func importKey(id: String, bytes: Data, usage: [KeyUsage]) async throws -> KeyHandle {
        let response: KeyHandleResponse = try await call(.POST, "/key", body: CreateKeyRequest(keyId: id, usage: usage, keyBytes: bytes))
        return response.keyHandle
    }

    /// `GET /key/{keyId}`.
    public func loadKey(id: String) async throws -> KeyHandle {
        let response: KeyHandleResponse = try await call(.GET, "/key/\(Self.pathSegment(id))")
        return response.keyHandle
    }

    /// `DELETE /key`.
    public func deleteKey(_ handle: KeyHandle) async throws {
        try await callNoContent(.DELETE, "/key", body: KeyHandleRequest(keyHandle: handle))
    }

    // MARK: Key pairs

    /// `POST /keypair`: creates a key pair unless one exists. `preferredAlgorithms` is colon-separated
    /// (`ec-p256`, `rsa-2048`, `rsa-4096`, `*`); nil means `*`.
    public func createKeyPair(id: String, preferredAlgorithms: String? = nil) async throws -> KeyHandle {
        let body = CreateKeyPairRequest(keyId: id, preferredAlgorithms: preferredAlgorithms)
        let response: KeyHandleResponse = try await call(.POST, "/keypair", body: body)
        return response.keyHandle
    }

    /// `GET /keypair/{keyPairId}`.
    public func loadKeyPair(id: String) async throws -> KeyHandle {
        let response: KeyHandleResponse = try await call(.GET, "/keypair/\(Self.pathSegment(id))")
        return response.keyHandle
    }

    /// `POST /keypair/{to}` with `{"from": from}`: renames a key pair (overwriting `to`).
    public func moveKeyPair(from: String, to: String) async throws {
        try await callNoContent(.POST, "/keypair/\(Self.pathSegment(to))", body: MoveKeyPairRequest(from: from))
    }

    /// `DELETE /keypair`.
    public func deleteKeyPair(_ handle: KeyHandle) async throws {
        try await callNoContent(.DELETE, "/keypair", body: KeyHandleRequest(keyHandle: handle))
    }

    /// `POST /parameters/{name}`: `ECDSA`/`RSA` for ``KeyPairParameter/algorithm``, base64 text for the others.
    public func keyPairParameter(_ parameter: KeyPairParameter, of handle: KeyHandle) async throws -> String {
        let response: KeyPairParameterResponse = try await call(
            .POST, "/parameters/\(Self.pathSegment(parameter.rawValue))", body: KeyHandleRequest(keyHandle: handle)
        )
        return response.value
    }

    // MARK: Derived keys

    /// `POST /derivedkey`: a handle for `HMAC-SHA256(base, derivationData)`.
    public func createDerivedKey(base: KeyHandle, derivationData: Data) async throws -> KeyHandle {
        let body = CreateDerivedKeyRequest(baseKeyHandle: base, derivationData: derivationData)
        let response: KeyHandleResponse = try await call(.POST, "/derivedkey", body: body)
        return response.keyHandle
    }

    /// `POST /derivedkey/export`: the 32 derived bytes.
    public func exportDerivedKey(_ handle: KeyHandle) async throws -> Data {
        let response: ExportDerivedKeyResponse = try await call(.POST, "/derivedkey/export", body: KeyHandleRequest(keyHandle: handle))
        return response.key
    }

    // MARK: Crypto operations

    /// `POST /sign`.
    public func sign(_ handle: KeyHandle, _ mechanism: KeySignMechanism) async throws -> Data {
        let response: SignResponse = try await call(.POST, "/sign", body: SignRequest(keyHandle: handle, mechanism: mechanism))
        return response.signature
    }

    /// `POST /encrypt`.
    public func encrypt(_ handle: KeyHandle, _ mechanism: KeyEncryptMechanism, plaintext: Data) async throws -> Data {
        let body = EncryptRequest(keyHandle: handle, mechanism: mechanism, plaintext: plaintext)
        let response: EncryptResponse = try await call(.POST, "/encrypt", body: body)
        return response.ciphertext
    }

    /// `POST /decrypt`.
    public func decrypt(_ handle: KeyHandle, _ mechanism: KeyEncryptMechanism, ciphertext: Data) async throws -> Data {
        let body = DecryptRequest(keyHandle: handle, mechanism: mechanism, ciphertext: ciphertext)
        let response: DecryptResponse = try await call(.POST, "/decrypt", body: body)
        return response.plaintext
    }

    // MARK: Plumbing

    private var json: JSONOverUnixSocket {
        JSONOverUnixSocket(http: http, apiVersion: apiVersion) { KeyClientError(status: $0, message: $1) }
    }

    private func call<Response: Decodable, Body: Encodable>(_ method: HTTPMethod, _ path: String, body: Body?) async throws -> Response {
        try await json.call(method, path, body: body)
    }

    private func call<Response: Decodable>(_ method: HTTPMethod, _ path: String) async throws -> Response {
        try await json.call(method, path, body: KeyHandleRequest?.none)
    }

    private func callNoContent(_ method: HTTPMethod, _ path: String, body: some Encodable) async throws {
        _ = try await json.send(method, path, body: body)
    }

    static func pathSegment(_ text: String) -> String { JSONOverUnixSocket.pathSegment(text) }
}
