import Foundation
import Logging
import NIOCore
import NIOHTTP1
import Synchronization
import UnixSocketHTTP

/// A server on a socket in a fresh temporary directory, with a few routes exercising the router.
struct TestServer {
    let directory: String
    let socketPath: String
    let server: UnixSocketHTTPServer
    var client: UnixSocketHTTPClient { UnixSocketHTTPClient(socketPath: socketPath, host: "test.sock") }

    struct Echo: Codable, Equatable {
        var name: String
        var uid: UInt32
        var pid: Int32
        var apiVersion: String
    }

    struct Forbidden: HTTPResponseError {
        var status: HTTPResponseStatus { .forbidden }
        var message: String { "uid is not authorized" }
    }

    struct Secret: Error {}

    static let router = HTTPRouter(routes: [
        HTTPRoute(.GET, "/echo/{name}", apiVersions: "2020-09-01"..<"2021-01-01") { request in
            try .json(
                Echo(
                    name: request.parameters["name"] ?? "",
                    uid: request.peer.uid,
                    pid: request.peer.pid,
                    apiVersion: request.apiVersion?.rawValue ?? ""
                )
            )
        },
        HTTPRoute(.POST, "/echo/{name}", apiVersions: "2020-09-01"..<"2021-01-01") { request in
            let body: [String: String] = try request.decodeJSON()
            return try .json(body, status: .created)
        },
        HTTPRoute(.PUT, "/echo/{name}", apiVersions: "2020-09-01"..<"2021-01-01") { request in
            let body: [String: String] = try request.decodeJSON()
            return try .json(body)
        },
        HTTPRoute(.DELETE, "/items/{id}", since: "2020-09-01") { _ in .noContent },
        HTTPRoute(.GET, "/forbidden", since: "2020-09-01") { _ in throw Forbidden() },
        HTTPRoute(.GET, "/crash", since: "2020-09-01") { _ in throw Secret() },
        HTTPRoute(.GET, "/host", since: "2020-09-01") { request in try .json(["host": request.headers["Host"].first ?? ""]) },
        HTTPRoute(.GET, "/new", since: "2022-01-01") { _ in try .json(["new": true]) },
    ])

    static func start(
        maxConnectionsPerUID: Int = 10,
        socketMode: UInt32 = 0o660,
        bodyReadTimeout: TimeAmount = .seconds(5),
        maxBodySize: Int = 4 << 20,
        logger: Logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() },
        router: HTTPRouter = TestServer.router,
        prepare: (String) throws -> Void = { _ in }
    ) async throws -> TestServer {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("uds-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let socketPath = "\(directory)/test.sock"
        try prepare(socketPath)
        let server = UnixSocketHTTPServer(
            configuration: .init(
                endpoint: .unixSocket(path: socketPath), socketMode: socketMode, maxConnectionsPerUID: maxConnectionsPerUID,
                maxBodySize: maxBodySize, bodyReadTimeout: bodyReadTimeout
            ),
            router: router,
            logger: logger
        )
        try await server.start()
        return TestServer(directory: directory, socketPath: socketPath, server: server)
    }

    func stop() async {
        await server.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }
}

extension UnixSocketHTTPClient.Response {
    var message: String? {
        (try? JSONDecoder().decode([String: String].self, from: Data(body.readableBytesView)))?["message"]
    }
}

/// Keeps every logged message so tests can check what the server writes (and does not write) to the log.
struct RecordingLogHandler: LogHandler {
    final class Store: Sendable {
        let messages = Mutex<[String]>([])
    }

    let store: Store
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        store.messages.withLock { $0.append("\(event.message)") }
    }
}
