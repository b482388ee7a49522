import Foundation
import Logging
import NIOCore
import NIOHTTP1
import Synchronization
import Testing
@testable import UnixSocketHTTP

@Suite("Routing and error shapes over a real socket")
struct RoutingTests {
    @Test func missingAPIVersionIs400() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        let response = try await server.client.request(.GET, "/echo/a")
        #expect(response.status == .badRequest)
        #expect(response.bodyText == #"{"message":"api-version not specified"}"#)
        #expect(response.headers["Content-Type"] == ["application/json"])
    }

    @Test func unknownAPIVersionIs400() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        let response = try await server.client.request(.GET, "/echo/a?api-version=1999-01-01")
        #expect(response.status == .badRequest)
        #expect(response.message == #"invalid api-version "1999-01-01""#)
    }

    @Test func unknownPathIs404() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        let response = try await server.client.request(.GET, "/nothing/here?api-version=2020-09-01")
        #expect(response.status == .notFound)
        #expect(response.bodyText == #"{"message":"not found"}"#)
    }

    @Test func knownVersionOutsideTheRouteRangeIs404() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        let old = try await server.client.request(.GET, "/new?api-version=2020-09-01")
        #expect(old.status == .notFound)
        let new = try await server.client.request(.GET, "/new?api-version=2022-01-01")
        #expect(new.status == .ok)
        // Upper bound is open: /echo accepts 2020-09-01..<2021-01-01 only.
        let tooNew = try await server.client.request(.GET, "/echo/a?api-version=2022-01-01")
        #expect(tooNew.status == .notFound)
    }

    @Test func unsupportedMethodIs400MethodNotAllowed() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        let response = try await server.client.request(.PATCH, "/echo/a?api-version=2020-09-01")
        #expect(response.status == .badRequest)
        #expect(response.message == "method not allowed")
    }

    @Test func pathParametersArePercentDecoded() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        let response = try await server.client.request(.GET, "/echo/a%20b%2Fc%C3%A9?api-version=2020-09-01")
        #expect(response.status == .ok)
        let echo = try JSONDecoder().decode(TestServer.Echo.self, from: Data(response.body.readableBytesView))
        #expect(echo.name == "a b/cé")
        #expect(echo.apiVersion == "2020-09-01")
    }

    @Test func jsonBodiesAndNoContent() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        let created = try await server.client.request(.POST, "/echo/a?api-version=2020-09-01", body: ByteBuffer(string: #"{"k":"v"}"#))
        #expect(created.status == .created)
        #expect(created.bodyText == #"{"k":"v"}"#)
        let missing = try await server.client.request(.POST, "/echo/a?api-version=2020-09-01")
        #expect(missing.status == .badRequest)
        #expect(missing.message == "missing request body")
        let invalid = try await server.client.request(.POST, "/echo/a?api-version=2020-09-01", body: ByteBuffer(string: "{nope"))
        #expect(invalid.status == .unprocessableEntity)
        let deleted = try await server.client.request(.DELETE, "/items/7?api-version=2020-09-01")
        #expect(deleted.status == .noContent)
        #expect(deleted.body.readableBytes == 0)
    }

    @Test func handlerErrorsMapToStatusAndMessage() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        let forbidden = try await server.client.request(.GET, "/forbidden?api-version=2020-09-01")
        #expect(forbidden.status == .forbidden)
        #expect(forbidden.message == "uid is not authorized")
        let crash = try await server.client.request(.GET, "/crash?api-version=2020-09-01")
        #expect(crash.status == .internalServerError)
        #expect(crash.message == "internal error")
    }

    @Test func explicitKnownVersionsDecideWhatIsInvalid() async {
        let router = HTTPRouter(routes: TestServer.router.routes, knownVersions: ["2020-09-01", "2022-01-01", "2023-01-01"])
        let peer = PeerCredentials(pid: 1, uid: 0, gid: 0)
        let known = await router.respond(to: HTTPServerRequest(method: .GET, uri: "/echo/a?api-version=2023-01-01", peer: peer))
        #expect(known.status == .notFound)
        let unknown = await router.respond(to: HTTPServerRequest(method: .GET, uri: "/echo/a?api-version=2020-10-01", peer: peer))
        #expect(String(buffer: unknown.body) == #"{"message":"invalid api-version \"2020-10-01\""}"#)
    }

    @Test func queryAndPathParsing() {
        #expect(URLComponentsParser.parseQuery("a=1&b=x+y%21&c") == ["a": "1", "b": "x y!", "c": ""])
        #expect(URLComponentsParser.percentDecode("%zz") == nil)
        #expect(URLComponentsParser.percentDecode("%FF") == nil)
        #expect(PathPattern("/a/{b}").match("/a/x%2Fy") == ["b": "x/y"])
        #expect(PathPattern("/a/{b}").match("/a/") == nil)
        #expect(PathPattern("/a").match("/a/") == [:])
        #expect(PathPattern("/").match("/") == [:])
        #expect(PathPattern("/a/{b}").match("/a/x/y") == nil)
    }
}

@Suite("Request logging and the Host header")
struct LoggingTests {
    @Test func logsMethodPathAndStatusButNoQueryOrHeaders() async throws {
        let store = RecordingLogHandler.Store()
        let server = try await TestServer.start(logger: Logger(label: "test") { _ in RecordingLogHandler(store: store) })
        defer { Task { await server.stop() } }
        var headers = HTTPHeaders()
        headers.add(name: "Authorization", value: "SharedAccessSignature sr=secret-token")
        _ = try await server.client.request(.GET, "/echo/a?api-version=2020-09-01&sig=secret-token", headers: headers)
        let messages = store.messages.withLock { $0 }
        #expect(messages.contains("<-- GET /echo/a"))
        #expect(messages.contains("--> 200"))
        #expect(!messages.contains { $0.contains("secret-token") })
    }

    @Test func clientSendsTheConfiguredHost() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        let response = try await server.client.request(.GET, "/host?api-version=2020-09-01")
        #expect(response.bodyText == #"{"host":"test.sock"}"#)
    }
}
