import Foundation
import IoTHubProtocol
public import Logging
import NIOCore
import NIOHTTP1
public import UnixSocketHTTP

/// aziot-edged's workload API (the socket every module's SDK talks to), as routes for ``UnixSocketHTTPServer``:
///
/// | route | caller | success |
/// |---|---|---|
/// | `GET /modules` (also `/modules/`) | anyone | 200 module list |
/// | `POST /modules/{m}/genid/{g}/sign` | module `{m}` | 200 `{"digest"}` |
/// | `POST /modules/{m}/genid/{g}/encrypt` | module `{m}` | 200 `{"ciphertext"}` |
/// | `POST /modules/{m}/genid/{g}/decrypt` | module `{m}` | 200 `{"plaintext"}` |
/// | `POST /modules/{m}/certificate/identity` | module `{m}` | 201 certificate |
/// | `POST /modules/{m}/genid/{g}/certificate/server` | module `{m}` | 201 certificate |
/// | `GET /trust-bundle`, `GET /manifest-trust-bundle` | anyone | 200 `{"certificate"}` |
///
/// "Module `{m}`" means the caller's pid (`SO_PEERCRED`) runs in the container named `{m}` without its leading `$`;
/// anything else is `403 {"message":"forbidden"}`. On a module's own socket (``router(for:service:)``) `{m}` must
/// also be that module. Every route accepts every api-version of ``versions``.
///
/// The order of checks follows the reference: a body that is not JSON is refused (`422`) before the caller is checked
/// (`403`); a missing body (`400`) and bad base64 (`400 invalid parameter: …`) come after.
public enum WorkloadAPI {
    /// The api-versions aziot-edged accepts on both its sockets (`2021-05-11` is not one of them).
    public static let versions: [APIVersion] = ["2018-06-28", "2019-01-30", "2019-10-22", "2019-11-05", "2020-07-07", "2021-12-07", "2022-08-03"]
    /// The version every workload route exists since.
    public static let minimumVersion: APIVersion = "2018-06-28"

    /// The routes of the shared workload socket (`/var/run/iotedge/workload.sock`): any module may call, for itself.
    public static func router(service: WorkloadService) -> HTTPRouter {
        makeRouter(service: service, boundModule: nil)
    }

    /// The routes of module `moduleId`'s own socket (`<homedir>/mnt/<module>.sock`): only that module's routes are
    /// served to it; a request naming another module is `403`, whichever container it comes from.
    public static func router(for moduleId: String, service: WorkloadService) -> HTTPRouter {
        makeRouter(service: service, boundModule: moduleId)
    }

    /// A server for a workload socket with the reference's settings: the file at `socketPath` (replaced if stale)
    /// with mode `0666` so that any container user can connect, at most `maxConnectionsPerUID` connections per
    /// caller uid (`[iotedge_max_requests] workload`, default 10). `moduleId` nil serves the shared socket, otherwise
    /// that module's own socket. Start it with `start()` (or run it in a `ServiceGroup`), stop it with `stop()`.
    public static func server(
        socketPath: String, moduleId: String?, service: WorkloadService, maxConnectionsPerUID: Int = 10, logger: Logger
    ) -> UnixSocketHTTPServer {
        let routes = moduleId.map { Self.router(for: $0, service: service) } ?? Self.router(service: service)
        let configuration = UnixSocketHTTPServerConfiguration(
            endpoint: .unixSocket(path: socketPath), socketMode: 0o666, maxConnectionsPerUID: maxConnectionsPerUID
        )
        return UnixSocketHTTPServer(configuration: configuration, router: routes, logger: logger)
    }

    /// A module's container name: its id without leading `$` (`$edgeHub` runs as `edgeHub`).
    public static func containerName(ofModule moduleId: String) -> String {
        String(moduleId.drop { $0 == "$" })
    }

    // MARK: Bodies

    struct SignRequest: Decodable {
        let data: String
    }

    struct EncryptRequest: Decodable {
        let plaintext: String
        let initializationVector: String
    }

    struct DecryptRequest: Decodable {
        let ciphertext: String
        let initializationVector: String
    }

    struct ServerCertificateRequest: Decodable {
        let commonName: String
    }

    /// Any JSON value, parsed and thrown away.
    struct IgnoredBody: Decodable {
        init(from decoder: any Decoder) throws {}
    }

    // MARK: Routes

    static func makeRouter(service: WorkloadService, boundModule: String?) -> HTTPRouter {
        var router = HTTPRouter(knownVersions: Set(versions))
        let since = minimumVersion

        router.add(HTTPRoute(.GET, "/modules", since: since) { _ in
            guard let list = service.moduleList else { throw WorkloadError.internalError("the module runtime is not available") }
            let json: JSONValue
            do {
                json = try await list.moduleListJSON()
            } catch let error as WorkloadError {
                throw error
            } catch {
                throw WorkloadError.internalError("\(error)")
            }
            return jsonResponse(json)
        })

        router.add(HTTPRoute(.POST, "/modules/{moduleId}/genid/{genId}/sign", since: since) { request in
            try exactPath(request)
            let body = try optionalJSONBody(request, SignRequest.self)
            let moduleId = request.parameters["moduleId"] ?? ""
            try await authorize(request, moduleId: moduleId, service: service, boundModule: boundModule)
            guard let body else { throw WorkloadError(.badRequest, "missing parameter: request body") }
            let data = try base64(body.data)
            let digest = try await service.sign(moduleId: moduleId, data: data)
            return jsonResponse(["digest": .string(StrictBase64.encode(digest))])
        })

        router.add(HTTPRoute(.POST, "/modules/{moduleId}/genid/{genId}/encrypt", since: since) { request in
            try exactPath(request)
            let body = try optionalJSONBody(request, EncryptRequest.self)
            let moduleId = request.parameters["moduleId"] ?? ""
            try await authorize(request, moduleId: moduleId, service: service, boundModule: boundModule)
            guard let body else { throw WorkloadError(.badRequest, "missing request body") }
            let plaintext = try base64(body.plaintext)
            let iv = try base64(body.initializationVector)
            let ciphertext = try await service.encrypt(moduleId: moduleId, genId: request.parameters["genId"] ?? "", plaintext: plaintext, iv: iv)
            return jsonResponse(["ciphertext": .string(StrictBase64.encode(ciphertext))])
        })

        router.add(HTTPRoute(.POST, "/modules/{moduleId}/genid/{genId}/decrypt", since: since) { request in
            try exactPath(request)
            let body = try optionalJSONBody(request, DecryptRequest.self)
            let moduleId = request.parameters["moduleId"] ?? ""
            try await authorize(request, moduleId: moduleId, service: service, boundModule: boundModule)
            guard let body else { throw WorkloadError(.badRequest, "missing request body") }
            let ciphertext = try base64(body.ciphertext)
            let iv = try base64(body.initializationVector)
            let plaintext = try await service.decrypt(moduleId: moduleId, genId: request.parameters["genId"] ?? "", ciphertext: ciphertext, iv: iv)
            return jsonResponse(["plaintext": .string(StrictBase64.encode(plaintext))])
        })

        router.add(HTTPRoute(.POST, "/modules/{moduleId}/certificate/identity", since: since) { request in
            try exactPath(request)
            _ = try optionalJSONBody(request, IgnoredBody.self)
            let moduleId = request.parameters["moduleId"] ?? ""
            try await authorize(request, moduleId: moduleId, service: service, boundModule: boundModule)
            let certificate = try await service.identityCertificate(moduleId: moduleId)
            return jsonResponse(certificate.jsonValue, status: .created)
        })

        router.add(HTTPRoute(.POST, "/modules/{moduleId}/genid/{genId}/certificate/server", since: since) { request in
            try exactPath(request)
            let body = try optionalJSONBody(request, ServerCertificateRequest.self)
            let moduleId = request.parameters["moduleId"] ?? ""
            try await authorize(request, moduleId: moduleId, service: service, boundModule: boundModule)
            guard let body else { throw WorkloadError(.badRequest, "missing request body") }
            let certificate = try await service.serverCertificate(
                moduleId: moduleId, genId: request.parameters["genId"] ?? "", commonName: body.commonName
            )
            return jsonResponse(certificate.jsonValue, status: .created)
        })

        router.add(HTTPRoute(.GET, "/trust-bundle", since: since) { request in
            try exactPath(request)
            return jsonResponse(["certificate": .string(try await service.trustBundle())])
        })

        router.add(HTTPRoute(.GET, "/manifest-trust-bundle", since: since) { request in
            try exactPath(request)
            return jsonResponse(["certificate": .string(await service.manifestTrustBundle())])
        })
        return router
    }

    // MARK: Helpers

    /// The caller check of every module route: the socket's own module (if bound), then the caller's container.
    static func authorize(_ request: HTTPServerRequest, moduleId: String, service: WorkloadService, boundModule: String?) async throws {
        if let boundModule, containerName(ofModule: boundModule) != containerName(ofModule: moduleId) {
            service.logger.info("The workload socket of \(boundModule) refuses a request for module \(moduleId) (pid \(request.peer.pid))")
            throw WorkloadError.forbidden
        }
        try await service.callers.authorize(pid: request.peer.pid, moduleId: moduleId)
    }

    /// The reference's routes match their whole path: a trailing `/` (which the shared router tolerates) is not found.
    static func exactPath(_ request: HTTPServerRequest) throws {
        if request.path.count > 1, request.path.hasSuffix("/") { throw HTTPError.notFound }
    }

    /// A POST body as aziot's http-common hands it to a route: none when empty or not `application/json`
    /// (a missing `Content-Type` counts as JSON — the Python SDK sends none), `422` when it does not parse.
    static func optionalJSONBody<T: Decodable>(_ request: HTTPServerRequest, _ type: T.Type) throws -> T? {
        guard let body = request.body, body.readableBytes > 0 else { return nil }
        if let contentType = request.headers["Content-Type"].first {
            let mediaType = contentType.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased()
            guard mediaType == "application/json" else { return nil }
        }
        do {
            return try JSONDecoder().decode(T.self, from: Data(body.readableBytesView))
        } catch let error as DecodingError {
            throw HTTPError(.unprocessableEntity, bodyErrorMessage(error))
        } catch {
            throw HTTPError(.unprocessableEntity, "invalid request body: \(error)")
        }
    }

    /// A body decoding failure in the words of the reference's JSON parser (serde): "missing field `data`".
    static func bodyErrorMessage(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
            return keys.isEmpty ? "" : " at \(keys.joined(separator: "."))"
        }
        switch error {
        case .keyNotFound(let key, _):
            return "missing field `\(key.stringValue)`"
        case .typeMismatch(let type, let context):
            return "invalid type: expected \(type == String.self ? "a string" : "\(type)")\(path(context))"
        case .valueNotFound(let type, let context):
            return "invalid type: null, expected \(type == String.self ? "a string" : "\(type)")\(path(context))"
        case .dataCorrupted(let context):
            return "invalid JSON\(path(context)): \(context.underlyingError.map { "\($0)" } ?? context.debugDescription)"
        @unknown default:
            return "invalid request body: \(error)"
        }
    }

    static func base64(_ text: String) throws(WorkloadError) -> [UInt8] {
        do {
            return try StrictBase64.decode(text)
        } catch {
            throw .invalidParameter(error.description)
        }
    }

    static func jsonResponse(_ value: JSONValue, status: HTTPResponseStatus = .ok) -> HTTPServerResponse {
        HTTPServerResponse(status: status, headers: ["Content-Type": "application/json"], body: ByteBuffer(bytes: value.jsonBytes))
    }
}
