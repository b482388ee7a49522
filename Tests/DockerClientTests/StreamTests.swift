import DockerClient
import Foundation
import IoTHubProtocol
import MQTTTestSupport
import NIOCore
import NIOHTTP1
import Testing

/// The client's HTTP plumbing against a stand-in engine on a Unix socket, where chunking, endless streams and silence
/// are under the test's control.
@Suite struct StreamTests {
    static func socketPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("fake-docker-\(UUID().uuidString.prefix(8)).sock").path
    }

    static func frame(_ stream: UInt8, _ text: String) -> [UInt8] {
        let payload = Array(text.utf8)
        let length = UInt32(payload.count)
        return [stream, 0, 0, 0, UInt8(length >> 24), UInt8((length >> 16) & 0xff), UInt8((length >> 8) & 0xff), UInt8(length & 0xff)] + payload
    }

    /// Runs `body` with a stand-in engine answering through `handler`, and stops it afterwards whatever happens.
    static func withEngine(
        _ handler: @escaping @Sendable (TestHTTPServer.Request) -> TestHTTPServer.Reply, _ body: (TestHTTPServer) async throws -> Void
    ) async throws {
        let server = try await TestHTTPServer.start(unixSocket: socketPath(), handler: handler)
        do {
            try await body(server)
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    static func client(_ server: TestHTTPServer, headTimeout: Duration? = .seconds(10)) -> DockerClient {
        DockerClient(configuration: DockerClientConfiguration(socketPath: server.socketPath!, apiVersion: .fixed(.supported), responseHeadTimeout: headTimeout))
    }

    @Test func framesCutAcrossHTTPChunksAnywhere() async throws {
        let frames = (0..<50).map { index in (UInt8(index % 2 + 1), "line \(index) " + String(repeating: "z", count: index * 7) + "\n") }
        let bytes = frames.flatMap { Self.frame($0.0, $0.1) }
        var chunks: [[UInt8]] = []
        var offset = 0
        var size = 1
        while offset < bytes.count {
            let end = min(bytes.count, offset + size)
            chunks.append(Array(bytes[offset..<end]))
            offset = end
            size = size % 13 + 1
        }
        let allChunks = chunks
        try await Self.withEngine({ _ in
            .chunks(.ok, [("Content-Type", "application/vnd.docker.multiplexed-stream")], allChunks, gap: .milliseconds(1), thenForever: nil)
        }) { server in
            let client = Self.client(server)
            var received: [DockerLogFrame] = []
            for try await frame in try await client.containerLogs("c1", options: ContainerLogsOptions(follow: true), tty: false) { received.append(frame) }
            #expect(received.map(\.text) == frames.map(\.1))
            #expect(received.map(\.stream.rawValue) == frames.map(\.0))
            let request = try #require(server.requests.first)
            #expect(request.method == .GET)
            #expect(request.uri == "/v1.41/containers/c1/logs?follow=true&stdout=true&stderr=true&timestamps=false&tail=all")
            #expect(request.headers.first(name: "Host")?.isEmpty == false)
            #expect(request.headers.first(name: "Connection") == "close")
        }
    }

    @Test func cancellingAStreamClosesItsConnection() async throws {
        try await Self.withEngine({ _ in
            .chunks(.ok, [], [], gap: .milliseconds(5), thenForever: Self.frame(1, "tick\n"))
        }) { server in
            let client = Self.client(server)
            let stream = try await client.containerLogs("c1", options: ContainerLogsOptions(follow: true), tty: false)
            #expect(server.openConnections == 1)
            let reader = Task {
                var count = 0
                for try await _ in stream { count += 1 }
                return count
            }
            #expect(await eventually(timeout: .seconds(10)) { server.requests.count == 1 })
            try await Task.sleep(for: .milliseconds(100))
            reader.cancel()
            let outcome = try await withDeadline(.seconds(10), "the cancelled stream to end") {
                do {
                    return "ended after \(try await reader.value) frames"
                } catch is CancellationError {
                    return "cancelled"
                } catch {
                    return "failed: \(error)"
                }
            }
            #expect(outcome == "cancelled")
            #expect(await eventually(timeout: .seconds(10)) { server.openConnections == 0 })
        }
    }

    @Test func aStreamDroppedAfterOneFrameClosesItsConnection() async throws {
        try await Self.withEngine({ _ in
            .chunks(.ok, [], [], gap: .milliseconds(5), thenForever: Self.frame(2, "tock\n"))
        }) { server in
            let client = Self.client(server)
            for _ in 0..<5 {
                var iterator = try await client.containerLogs("c1", options: ContainerLogsOptions(follow: true), tty: false).makeAsyncIterator()
                let first = try await iterator.next()
                #expect(first?.stream == .stderr)
                #expect(first?.text == "tock\n")
            }
            #expect(await eventually(timeout: .seconds(10)) { server.openConnections == 0 })
            #expect(server.requests.count == 5)
        }
    }

    @Test func anUnreadStreamClosesItsConnectionToo() async throws {
        try await Self.withEngine({ _ in
            .chunks(.ok, [], [], gap: .milliseconds(5), thenForever: Array("{\"Type\":\"container\",\"Action\":\"x\"}\n".utf8))
        }) { server in
            let client = Self.client(server)
            do {
                let stream = try await client.events()
                _ = stream
                #expect(server.openConnections == 1)
            }
            #expect(await eventually(timeout: .seconds(10)) { server.openConnections == 0 })
        }
    }

    @Test func aSilentEngineTimesOut() async throws {
        try await Self.withEngine({ _ in .never }) { server in
            let client = Self.client(server, headTimeout: .milliseconds(500))
            let error = await dockerError { _ = try await client.inspectContainer("c1") }
            #expect(error?.code == .timeout)
            #expect(error?.message.contains("/v1.41/containers/c1/json") == true)
            #expect(await eventually(timeout: .seconds(10)) { server.openConnections == 0 })
        }
    }

    @Test func negotiationUsesTheLowerVersion() async throws {
        for (engine, expected) in [("1.38", "/v1.38/"), ("1.45", "/v1.41/"), ("1.41", "/v1.41/")] {
            try await Self.withEngine({ request in
                if request.uri == "/version" {
                    let version = #"{"Version":"99.0","ApiVersion":"\#(engine)","MinAPIVersion":"1.12"}"#
                    return .full(.ok, [("Content-Type", "application/json")], Array(version.utf8))
                }
                return .full(.ok, [("Content-Type", "application/json")], Array("[]".utf8))
            }) { server in
                let client = DockerClient(configuration: DockerClientConfiguration(socketPath: server.socketPath!))
                _ = try await client.listContainers()
                _ = try await client.listImages()
                #expect(server.requests.map(\.uri) == ["/version", "\(expected)containers/json?all=false", "\(expected)images/json?all=false"])
            }
        }
    }

    @Test func anErrorInsideA200PullStreamIsThrown() async throws {
        let lines = [
            #"{"status":"Pulling from test/image","id":"1"}"#,
            #"{"status":"Pulling fs layer","progressDetail":{},"id":"abc"}"#,
            #"{"status":"Downloading","progressDetail":{"current":10,"total":100},"progress":"[=>   ]","id":"abc"}"#,
            #"{"errorDetail":{"message":"unexpected EOF"},"error":"unexpected EOF"}"#,
        ]
        let bytes = Array((lines.joined(separator: "\r\n") + "\r\n").utf8)
        let chunks = stride(from: 0, to: bytes.count, by: 17).map { Array(bytes[$0..<min(bytes.count, $0 + 17)]) }
        try await Self.withEngine({ _ in
            .chunks(.ok, [("Content-Type", "application/json")], chunks, gap: .milliseconds(1), thenForever: nil)
        }) { server in
            let client = Self.client(server)
            let auth = RegistryAuth(username: "user", password: "secret", serverAddress: "registry.test")
            var progress: [PullProgress] = []
            let error = await dockerError {
                for try await step in try await client.pullImage("registry.test/test/image:1.0", auth: auth) { progress.append(step) }
            }
            #expect(progress.map(\.status) == ["Pulling from test/image", "Pulling fs layer", "Downloading"])
            #expect(progress.last?.current == 10)
            #expect(progress.last?.total == 100)
            #expect(error?.code == .streamError)
            #expect(error?.status == 200)
            #expect(error?.message.contains("unexpected EOF") == true)

            let request = try #require(server.requests.first)
            #expect(request.method == .POST)
            #expect(request.uri == "/v1.41/images/create?fromImage=registry.test%2Ftest%2Fimage%3A1.0")
            let header = try #require(request.headers.first(name: "X-Registry-Auth"))
            let standard = header.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
            let json = try JSONValue(parsing: Array(try #require(Data(base64Encoded: standard))))
            #expect(json == ["username": "user", "password": "secret", "serveraddress": "registry.test"])
        }
    }

    @Test func errorStatusesCarryDockersMessage() async throws {
        try await Self.withEngine({ _ in
            .full(.conflict, [("Content-Type", "application/json")], Array(#"{"message":"Conflict. The container name \"/x\" is already in use"}"#.utf8))
        }) { server in
            let error = await dockerError { _ = try await Self.client(server).createContainer(name: "x", body: ["Image": "i"]) }
            #expect(error?.code == .conflict)
            #expect(error?.message == #"Conflict. The container name "/x" is already in use"#)
            let request = try #require(server.requests.first)
            #expect(request.uri == "/v1.41/containers/create?name=x")
            #expect(String(decoding: request.body, as: UTF8.self) == #"{"Image":"i"}"#)
            #expect(request.headers.first(name: "Content-Type") == "application/json")
        }
    }

    @Test func aConsumerThatFallsBehindStopsReadsAndThenGetsEverything() async throws {
        // 2000 frames of 4 KiB (8 MiB) sent as fast as the socket takes them. While the consumer does not read, the
        // client must stop reading too (bounded buffer): the stand-in engine sees most of the body still unsent.
        let payload = String(repeating: "p", count: 4092) + "\n"
        let frames = (0..<2000).map { Self.frame(1, String(format: "%04d", $0) + payload) }
        let total = frames.reduce(0) { $0 + $1.count }
        try await Self.withEngine({ _ in
            .chunks(.ok, [], frames, gap: .zero, thenForever: nil)
        }) { server in
            let client = Self.client(server)
            var iterator = try await client.containerLogs("c1", tty: false).makeAsyncIterator()
            // Give the engine time to push whatever it can.
            try await Task.sleep(for: .seconds(1))
            let writtenWhileStalled = server.bodyBytesWritten
            #expect(writtenWhileStalled < total / 2, "\(writtenWhileStalled) of \(total) bytes were taken while nobody read")
            var seen: [String] = []
            while let frame = try await iterator.next() { seen.append(String(frame.text.prefix(4))) }
            #expect(seen == (0..<2000).map { String(format: "%04d", $0) })
            #expect(await eventually(timeout: .seconds(10)) { server.bodyBytesWritten == total })
        }
    }
}
