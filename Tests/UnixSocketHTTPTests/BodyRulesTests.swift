import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Testing
@testable import UnixSocketHTTP

@Suite("Request body rules: Content-Type and the read timeout")
struct BodyRulesTests {
    @Test func nonJSONContentTypeIgnoresThePostBody() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        let response = try await server.client.request(
            .POST, "/echo/a?api-version=2020-09-01", headers: ["Content-Type": "text/plain"], body: ByteBuffer(string: #"{"k":"v"}"#)
        )
        #expect(response.status == .badRequest)
        #expect(response.message == "missing request body")
        let withCharset = try await server.client.request(
            .POST, "/echo/a?api-version=2020-09-01", headers: ["Content-Type": "application/json; charset=utf-8"], body: ByteBuffer(string: #"{"k":"v"}"#)
        )
        #expect(withCharset.status == .created)
    }

    @Test func putRequiresJSON() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        let response = try await server.client.request(
            .PUT, "/echo/a?api-version=2020-09-01", headers: ["Content-Type": "text/plain"], body: ByteBuffer(string: "x")
        )
        #expect(response.status == .unsupportedMediaType)
        #expect(response.message == "request body must be application/json")
        let ok = try await server.client.request(.PUT, "/echo/a?api-version=2020-09-01", body: ByteBuffer(string: #"{"a":"b"}"#))
        #expect(ok.status == .ok)
    }

    @Test func slowBodyGets408() async throws {
        let server = try await TestServer.start(bodyReadTimeout: .milliseconds(200))
        defer { Task { await server.stop() } }
        let promise = MultiThreadedEventLoopGroup.singleton.next().makePromise(of: UnixSocketHTTPClient.Response.self)
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(ResponseCollector(promise: promise))
                }
            }
            .connect(unixDomainSocketPath: server.socketPath)
            .get()
        defer { channel.close(promise: nil) }
        let head = HTTPRequestHead(
            version: .http1_1, method: .POST, uri: "/echo/a?api-version=2020-09-01",
            headers: ["Host": "x", "Content-Length": "10", "Content-Type": "application/json"]
        )
        channel.write(HTTPClientRequestPart.head(head), promise: nil)
        try await channel.writeAndFlush(HTTPClientRequestPart.body(.byteBuffer(ByteBuffer(string: "{\"")))).get()
        let response = try await promise.futureResult.get()
        #expect(response.status == .requestTimeout)
        #expect(response.message?.contains("request body not received") == true)
    }

    @Test func oversizedBodyGets413() async throws {
        let server = try await TestServer.start(maxBodySize: 8)
        defer { Task { await server.stop() } }
        let response = try await server.client.request(.POST, "/echo/a?api-version=2020-09-01", body: ByteBuffer(string: #"{"key":"value"}"#))
        #expect(response.status == .payloadTooLarge)
        #expect(response.message == "request body is larger than 8 bytes")
    }
}
