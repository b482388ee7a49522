import AziotClients
import Foundation
public import Logging
import NIOCore
import NIOHTTP1
public import UnixSocketHTTP

/// keyd's HTTP API (api-versions `2020-09-01` and `2021-05-01`, every route since `2020-09-01`) over a
/// ``KeyService``, ready for a ``UnixSocketHTTPServer``.
///
/// Errors are logged as keyd does, one `!!! ` line per cause; nothing logged contains key bytes or handles.
public enum KeydHTTPAPI {
    public static let apiVersion2020 = APIVersion("2020-09-01")
    public static let apiVersion2021 = APIVersion("2021-05-01")
    public static let knownVersions: Set<APIVersion> = [apiVersion2020, apiVersion2021]

    public static func router(service: KeyService, logger: Logger) -> HTTPRouter {
        let since = apiVersion2020
        func route(_ method: HTTPMethod, _ path: PathPattern, _ body: @escaping @Sendable (HTTPServerRequest) async throws -> HTTPServerResponse) -> HTTPRoute {
            HTTPRoute(method, path, since: since) { request in
                do {
                    return try await body(request)
                } catch {
                    log(error, logger: logger)
                    throw error
                }
            }
        }
        return HTTPRouter(
            routes: [
                route(.POST, "/key") { request in
                    let body: CreateKeyRequest = try request.decodeJSON()
                    let handle = try await service.createKey(id: body.keyId, usage: body.usage, importing: body.keyBytes, caller: request.peer.uid)
                    return try json(KeyHandleResponse(keyHandle: handle))
                },
                route(.DELETE, "/key") { request in
                    let body: KeyHandleRequest = try request.decodeJSON()
                    try await service.deleteKey(body.keyHandle)
                    return .noContent
                },
                route(.GET, "/key/{keyId}") { request in
                    let handle = try await service.loadKey(id: request.parameters["keyId"] ?? "", caller: request.peer.uid)
                    return try json(KeyHandleResponse(keyHandle: handle))
                },
                route(.POST, "/key/{keyId}") { request in
                    let body: MoveKeyPairRequest = try request.decodeJSON()
                    if body.from == request.parameters["keyId"] {
                        throw KeyServiceError.badRequest("source and destination for move are identical")
                    }
                    throw KeyServiceError.badRequest("invalid type \"key\"")
                },
                route(.POST, "/keypair") { request in
                    let body: CreateKeyPairRequest = try request.decodeJSON()
                    let handle = try await service.createKeyPair(
                        id: body.keyId, preferredAlgorithms: body.preferredAlgorithms, caller: request.peer.uid
                    )
                    return try json(KeyHandleResponse(keyHandle: handle))
                },
                route(.DELETE, "/keypair") { request in
                    let body: KeyHandleRequest = try request.decodeJSON()
                    try await service.deleteKeyPair(body.keyHandle)
                    return .noContent
                },
                route(.GET, "/keypair/{keyPairId}") { request in
                    let handle = try await service.loadKeyPair(id: request.parameters["keyPairId"] ?? "", caller: request.peer.uid)
                    return try json(KeyHandleResponse(keyHandle: handle))
                },
                route(.POST, "/keypair/{keyPairId}") { request in
                    let body: MoveKeyPairRequest = try request.decodeJSON()
                    try await service.moveKeyPair(from: body.from, to: request.parameters["keyPairId"] ?? "", caller: request.peer.uid)
                    return .noContent
                },
                route(.POST, "/parameters/{parameterName}") { request in
                    let body: KeyHandleRequest = try request.decodeJSON()
                    let value = try await service.keyPairParameter(request.parameters["parameterName"] ?? "", of: body.keyHandle)
                    return try json(KeyPairParameterResponse(value: value))
                },
                route(.POST, "/derivedkey") { request in
                    let body: CreateDerivedKeyRequest = try request.decodeJSON()
                    let handle = try await service.createDerivedKey(base: body.baseKeyHandle, derivationData: body.derivationData)
                    return try json(KeyHandleResponse(keyHandle: handle))
                },
                route(.POST, "/derivedkey/export") { request in
                    let body: KeyHandleRequest = try request.decodeJSON()
                    return try json(ExportDerivedKeyResponse(key: try await service.exportDerivedKey(body.keyHandle)))
                },
                route(.POST, "/sign") { request in
                    let body: SignRequest = try request.decodeJSON()
                    return try json(SignResponse(signature: try await service.sign(body.keyHandle, body.mechanism)))
                },
                route(.POST, "/encrypt") { request in
                    let body: EncryptRequest = try request.decodeJSON()
                    let ciphertext = try await service.encrypt(body.keyHandle, body.mechanism, plaintext: body.plaintext)
                    return try json(EncryptResponse(ciphertext: ciphertext))
                },
                route(.POST, "/decrypt") { request in
                    let body: DecryptRequest = try request.decodeJSON()
                    let plaintext = try await service.decrypt(body.keyHandle, body.mechanism, ciphertext: body.ciphertext)
                    return try json(DecryptResponse(plaintext: plaintext))
                },
            ],
            knownVersions: knownVersions
        )
    }

    /// `200` JSON written like serde_json (no `\/` escapes).
    static func json(_ value: some Encodable) throws -> HTTPServerResponse {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return HTTPServerResponse(status: .ok, headers: ["Content-Type": "application/json"], body: ByteBuffer(bytes: try encoder.encode(value)))
    }

    /// keyd's `!!! <line>` error log: internal errors at error level with their detail, the rest at info.
    static func log(_ error: any Error, logger: Logger) {
        let (level, text): (Logger.Level, String)
        switch error {
        case let error as KeyServiceError:
            (level, text) = (error.code == .internalError ? .error : .info, error.detail)
        case let error as any HTTPResponseError:
            (level, text) = (.info, error.message)
        default:
            (level, text) = (.error, "internal error\ncaused by: \(error)")
        }
        for line in text.split(separator: "\n") { logger.log(level: level, "!!! \(line)") }
    }
}
