import IoTHubProtocol
import NIOCore
import NIOHTTP1
import Synchronization

/// A client of the Docker Engine API over its Unix socket (`/var/run/docker.sock`).
///
/// - Every request goes to `/v<version>/…` where the version is negotiated once (`GET /version`: the lower of the
///   engine's `ApiVersion` and ``DockerAPIVersion/supported``) or fixed by the configuration.
/// - One connection per request, with a real `Host` header; streams (logs with `follow`, events, pull progress) own
///   their connection and close it when the consumer stops (see ``DockerByteStream``).
/// - Docker's non-success answers throw ``DockerError`` with Docker's status and message; 304 (start of a running
///   container, stop of a stopped one) too, as ``DockerError/Code-swift.struct/notModified``: callers that treat it as
///   success say so.
/// - Container create options and network create options are JSON objects sent as they are, so a deployment's
///   `createOptions` reach Docker with every field, known or not.
public struct DockerClient: Sendable {
    public let configuration: DockerClientConfiguration
    let connection: DockerConnection
    private let negotiated: NegotiatedVersion

    private final class NegotiatedVersion: Sendable {
        let value = Mutex<DockerAPIVersion?>(nil)
    }

    public init(configuration: DockerClientConfiguration = DockerClientConfiguration()) {
        self.configuration = configuration
        self.connection = DockerConnection(configuration: configuration)
        self.negotiated = NegotiatedVersion()
        if case .fixed(let version) = configuration.apiVersion {
            negotiated.value.withLock { $0 = version }
        }
    }

    // MARK: Version

    /// The API version the paths use: fixed, or negotiated on first use (and then remembered).
    public func apiVersion() async throws -> DockerAPIVersion {
        if let known = negotiated.value.withLock({ $0 }) { return known }
        let engine = try await version()
        guard let engineVersion = DockerAPIVersion(engine.apiVersion) else {
            throw DockerError(.invalidResponse, message: "Docker's /version has no usable ApiVersion: \(engine.apiVersion)")
        }
        let chosen = min(engineVersion, DockerAPIVersion.supported)
        negotiated.value.withLock { $0 = chosen }
        return chosen
    }

    /// `GET /version` (unversioned): the engine's version and the API versions it serves.
    public func version() async throws -> DockerVersion {
        let response = try await connection.sendBuffered(.GET, "/version")
        return try DockerVersion(json: try Self.json(response, expecting: 200))
    }

    /// `GET /_ping` (unversioned): "OK" when the engine is up.
    public func ping() async throws -> String {
        let response = try await connection.sendBuffered(.GET, "/_ping")
        try Self.check(response, expecting: [200])
        return String(buffer: response.body)
    }

    /// `GET /info`: system-wide information (storage driver, counts, kernel…).
    public func info() async throws -> DockerSystemInfo {
        try DockerSystemInfo(json: try await getJSON("/info"))
    }

    // MARK: Plumbing shared by the feature files

    /// `/v1.xx` + `path` + `?query`.
    func target(_ path: String, _ query: DockerQuery = DockerQuery()) async throws -> String {
        "\(try await apiVersion().pathPrefix)\(path)\(query.suffix)"
    }

    func getJSON(_ path: String, _ query: DockerQuery = DockerQuery()) async throws -> JSONValue {
        let response = try await connection.sendBuffered(.GET, try await target(path, query))
        return try Self.json(response, expecting: 200)
    }

    /// Sends a request with an optional JSON body; throws ``DockerError`` unless the status is one of `expecting`.
    func call(
        _ method: HTTPMethod,
        _ path: String,
        _ query: DockerQuery = DockerQuery(),
        json body: JSONValue? = nil,
        headers: HTTPHeaders = [:],
        expecting: Set<Int>,
        extraHeadTimeout: Duration = .zero,
        waitForHeadForever: Bool = false
    ) async throws -> (status: Int, headers: HTTPHeaders, body: ByteBuffer) {
        let response = try await connection.sendBuffered(
            method,
            try await target(path, query),
            headers: headers,
            body: body.map { ByteBuffer(bytes: $0.jsonBytes) },
            extraHeadTimeout: extraHeadTimeout,
            waitForHeadForever: waitForHeadForever
        )
        try Self.check(response, expecting: expecting)
        return response
    }

    /// Opens a streaming request; a non-2xx answer is read (bounded) and thrown as ``DockerError``.
    func stream(
        _ method: HTTPMethod,
        _ path: String,
        _ query: DockerQuery = DockerQuery(),
        headers: HTTPHeaders = [:],
        waitForHeadForever: Bool = false
    ) async throws -> DockerConnection.StreamingResponse {
        let response = try await connection.send(method, try await target(path, query), headers: headers, waitForHeadForever: waitForHeadForever)
        guard (200..<300).contains(response.status) else {
            let body = try await response.body.collect(upTo: 1 << 20)
            throw DockerError(status: response.status, body: Array(body.readableBytesView))
        }
        return response
    }

    static func check(_ response: (status: Int, headers: HTTPHeaders, body: ByteBuffer), expecting: Set<Int>) throws {
        guard expecting.contains(response.status) else {
            throw DockerError(status: response.status, body: Array(response.body.readableBytesView))
        }
    }

    static func json(_ response: (status: Int, headers: HTTPHeaders, body: ByteBuffer), expecting: Int) throws -> JSONValue {
        try check(response, expecting: [expecting])
        return try parseJSON(response.body)
    }

    static func parseJSON(_ body: ByteBuffer) throws -> JSONValue {
        do {
            return try JSONValue(parsing: body.readableBytesView)
        } catch {
            throw DockerError(.invalidResponse, message: "Docker's answer is not JSON (\(error)): \(String(buffer: body).prefix(200))")
        }
    }

    /// Rejects ids and names that cannot name anything (an empty one would change the path's meaning).
    static func requireName(_ name: String, _ what: String) throws {
        guard !name.isEmpty else { throw DockerError(.invalidArgument, message: "the \(what) name or id is empty") }
    }
}
