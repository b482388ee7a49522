import Foundation
#if canImport(Glibc)
import Glibc
#endif
import MQTTTestSupport
import NIOCore
import NIOHTTP1
import Synchronization
import Testing
import UnixSocketHTTP

/// What a streaming route's producer did: chunks produced, whether it was stopped by cancellation.
final class StreamProbe: Sendable {
    private struct State {
        var produced = 0
        var stopped = false
        var cancelled = false
    }

    private let state = Mutex(State())
    /// Opened by the test to let the gated route go on.
    let gate: AsyncStream<Void>
    private let gateContinuation: AsyncStream<Void>.Continuation

    init() {
        (gate, gateContinuation) = AsyncStream<Void>.makeStream()
    }

    var produced: Int { state.withLock { $0.produced } }
    var stopped: Bool { state.withLock { $0.stopped } }
    var cancelled: Bool { state.withLock { $0.cancelled } }

    func countChunk() { state.withLock { $0.produced += 1 } }

    func stop() {
        let cancelled = Task.isCancelled
        state.withLock {
            $0.stopped = true
            $0.cancelled = cancelled
        }
    }

    func open() { gateContinuation.yield() }

    func waitForGate() async {
        for await _ in gate { return }
    }

    static let bigChunk = ByteBuffer(repeating: UInt8(ascii: "x"), count: 64 << 10)

    /// `/gated`: "first\n", then waits for ``open()``, then "second\n", "third\n" and the end.
    /// `/sleeping`: "hello\n", then sleeps until cancelled.
    /// `/big`: 64 KiB chunks without end, as fast as they are taken.
    /// `/failing`: "partial\n", then throws.
    /// `/whole`: a buffered 1 MiB body (Content-Length).
    var router: HTTPRouter {
        let v: APIVersion = "2020-09-01"
        return HTTPRouter(routes: [
            HTTPRoute(.GET, "/gated", since: v) { _ in
                .stream(
                    headers: ["Content-Type": "text/plain"],
                    body: HTTPResponseBodyStream { writer in
                        try await writer.write(ByteBuffer(string: "first\n"))
                        await self.waitForGate()
                        try await writer.write(ByteBuffer(string: "second\n"))
                        try await writer.write(ByteBuffer(string: "third\n"))
                    }
                )
            },
            HTTPRoute(.GET, "/sleeping", since: v) { _ in
                .stream(
                    body: HTTPResponseBodyStream { writer in
                        do {
                            try await writer.write(ByteBuffer(string: "hello\n"))
                            self.countChunk()
                            try await Task.sleep(for: .seconds(3600))
                        } catch {
                            self.stop()
                            throw error
                        }
                    }
                )
            },
            HTTPRoute(.GET, "/big", since: v) { _ in
                .stream(
                    body: HTTPResponseBodyStream { writer in
                        do {
                            while true {
                                try await writer.write(Self.bigChunk)
                                self.countChunk()
                            }
                        } catch {
                            self.stop()
                            throw error
                        }
                    }
                )
            },
            HTTPRoute(.GET, "/failing", since: v) { _ in
                .stream(
                    body: HTTPResponseBodyStream { writer in
                        try await writer.write(ByteBuffer(string: "partial\n"))
                        throw ProducerFailure()
                    }
                )
            },
            HTTPRoute(.GET, "/sequence", since: v) { _ in
                let (chunks, continuation) = AsyncStream<ByteBuffer>.makeStream()
                for word in ["one\n", "two\n", "three\n"] { continuation.yield(ByteBuffer(string: word)) }
                continuation.finish()
                return .stream(chunks: chunks)
            },
            HTTPRoute(.GET, "/late", since: v) { _ in
                // The head waits for the gate.
                await self.waitForGate()
                return .noContent
            },
            HTTPRoute(.GET, "/whole", since: v) { _ in
                HTTPServerResponse(status: .ok, body: ByteBuffer(repeating: UInt8(ascii: "w"), count: 1 << 20))
            },
        ])
    }
}

struct ProducerFailure: Error {}

/// A blocking Unix socket client that reads only when told to: the slow reader of the back-pressure test.
final class RawUnixClient {
    let fd: Int32

    init(path: String) throws {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket: \(errno)") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes.prefix(raw.count - 1))
        }
        let result = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard result == 0 else {
            close(fd)
            throw TestFailure("connect \(path): \(errno)")
        }
    }

    func send(_ text: String) throws {
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count else { throw TestFailure("write: \(written)") }
    }

    /// Reads until `count` bytes have come (or the connection ends); the number read.
    func read(atLeast count: Int) -> Int {
        var total = 0
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        while total < count {
            let read = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            guard read > 0 else { break }
            total += read
        }
        return total
    }

    deinit { close(fd) }
}

@Suite("Streamed response bodies: chunked, back-pressure, cancellation; the client's streaming API")
struct StreamingTests {
    static let v = "api-version=2020-09-01"

    @Test("curl -N sees the first chunk before the body ends; the answer is chunked, without Content-Length")
    func curlSeesChunksBeforeTheEnd() async throws {
        let probe = StreamProbe()
        let server = try await TestServer.start(router: probe.router)
        defer { Task { await server.stop() } }
        let headers = "\(server.directory)/headers"
        let curl = try ChildProcess("curl", ["-sS", "-N", "-D", headers, "--unix-socket", server.socketPath, "http://localhost/gated?\(Self.v)"])
        defer { curl.terminate() }
        let first = await eventually(timeout: .seconds(20)) { curl.stdout == "first\n" }
        #expect(first, "curl's output so far: \(curl.stdout) \(curl.stderr)")
        // The producer is held at the gate: the body cannot have ended.
        #expect(curl.isRunning)
        probe.open()
        #expect(try await curl.waitForExit() == 0, "\(curl.stderr)")
        #expect(curl.stdout == "first\nsecond\nthird\n")
        let head = try String(contentsOfFile: headers, encoding: .utf8).lowercased()
        #expect(head.hasPrefix("http/1.1 200"), "\(head)")
        #expect(head.contains("transfer-encoding: chunked"), "\(head)")
        #expect(head.contains("content-type: text/plain"), "\(head)")
        #expect(!head.contains("content-length"), "\(head)")
    }

    @Test("an async sequence as the body: its buffers in order, then the end")
    func sequenceBody() async throws {
        let server = try await TestServer.start(router: StreamProbe().router)
        defer { Task { await server.stop() } }
        let result = try await ChildProcess.run("curl", ["-sS", "--unix-socket", server.socketPath, "http://localhost/sequence?\(Self.v)"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "one\ntwo\nthree\n")
    }

    @Test("the producer is cancelled when curl disconnects, and the connection is released")
    func producerCancelledOnDisconnect() async throws {
        let probe = StreamProbe()
        let server = try await TestServer.start(router: probe.router)
        defer { Task { await server.stop() } }
        let curl = try ChildProcess("curl", ["-sS", "-N", "--unix-socket", server.socketPath, "http://localhost/sleeping?\(Self.v)"])
        defer { curl.terminate() }
        #expect(await eventually(timeout: .seconds(20)) { curl.stdout == "hello\n" }, "\(curl.stderr)")
        #expect(server.server.openConnections(uid: getuid()) == 1)
        #expect(!probe.stopped)
        curl.kill()
        #expect(await eventually(timeout: .seconds(20)) { probe.stopped })
        #expect(probe.cancelled, "the producer stopped without being cancelled")
        #expect(await eventually(timeout: .seconds(20)) { server.server.openConnections(uid: getuid()) == 0 })
    }

    @Test("back-pressure: a reader that does not read holds the producer after a few chunks; reading lets it go on")
    func backPressure() async throws {
        let probe = StreamProbe()
        let server = try await TestServer.start(router: probe.router)
        defer { Task { await server.stop() } }
        let client = try RawUnixClient(path: server.socketPath)
        try client.send("GET /big?\(Self.v) HTTP/1.1\r\nHost: test\r\n\r\n")
        #expect(await eventually(timeout: .seconds(20)) { probe.produced > 0 })
        // Nothing is read: once the socket buffers are full, the producer waits.
        try await Task.sleep(for: .seconds(2))
        let held = probe.produced
        try await Task.sleep(for: .seconds(1))
        #expect(probe.produced == held, "the producer went on while nobody read (\(held) then \(probe.produced) chunks)")
        // 64 chunks = 4 MiB, far above the socket buffers; without back-pressure the producer would run unbounded.
        #expect(held < 64, "\(held) chunks of 64 KiB produced for a reader that read nothing")
        // Reading 16 MiB takes more than the producer had made: it must have gone on.
        let read = client.read(atLeast: 16 << 20)
        #expect(read >= 16 << 20)
        #expect(await eventually(timeout: .seconds(20)) { probe.produced >= 250 }, "\(probe.produced) chunks after 16 MiB were read")
        #expect(!probe.stopped)
    }

    @Test("a producer that fails cuts the connection: the client sees the data so far, then an error, not a clean end")
    func failingProducer() async throws {
        let server = try await TestServer.start(router: StreamProbe().router)
        defer { Task { await server.stop() } }
        let response = try await server.client.stream(.GET, "/failing?\(Self.v)")
        #expect(response.status == .ok)
        var received = ""
        var failure: (any Error)?
        do {
            for try await chunk in response.body { received += String(buffer: chunk) }
        } catch {
            failure = error
        }
        #expect(received == "partial\n")
        #expect((failure as? UnixSocketHTTPError)?.code == .connectionClosed, "\(String(describing: failure))")
        let curl = try await ChildProcess.run("curl", ["-sS", "--unix-socket", server.socketPath, "http://localhost/failing?\(Self.v)"])
        #expect(curl.status != 0)
        #expect(curl.stdout == "partial\n")
    }

    @Test("client stream: a chunked answer arrives chunk by chunk (the first before the server wrote the rest)")
    func clientStreamChunked() async throws {
        let probe = StreamProbe()
        let server = try await TestServer.start(router: probe.router)
        defer { Task { await server.stop() } }
        let response = try await server.client.stream(.GET, "/gated?\(Self.v)")
        #expect(response.status == .ok)
        #expect(response.headers["Transfer-Encoding"].first == "chunked")
        var iterator = response.body.makeAsyncIterator()
        let first = try await iterator.next()
        #expect(first.map { String(buffer: $0) } == "first\n")
        probe.open()
        var rest = ""
        while let chunk = try await iterator.next() { rest += String(buffer: chunk) }
        #expect(rest == "second\nthird\n")
        #expect(await eventually(timeout: .seconds(20)) { server.server.openConnections(uid: getuid()) == 0 })
    }

    @Test("client stream: Content-Length answers, small and over many reads")
    func clientStreamContentLength() async throws {
        let server = try await TestServer.start(router: StreamProbe().router)
        defer { Task { await server.stop() } }
        let whole = try await server.client.stream(.GET, "/whole?\(Self.v)")
        #expect(whole.headers["Content-Length"].first == "\(1 << 20)")
        let body = try await whole.collect(upTo: 2 << 20)
        #expect(body.readableBytes == 1 << 20)
        #expect(body.readableBytesView.allSatisfy { $0 == UInt8(ascii: "w") })

        let echoServer = try await TestServer.start()
        defer { Task { await echoServer.stop() } }
        let echo = try await echoServer.client.stream(.GET, "/echo/abc?\(Self.v)")
        #expect(echo.status == .ok)
        let text = String(buffer: try await echo.collect(upTo: 1 << 20))
        #expect(echo.headers["Content-Length"].first == "\(text.utf8.count)")
        #expect(text.contains(#""name":"abc""#), "\(text)")
        let missing = try await echoServer.client.stream(.GET, "/nothing?\(Self.v)")
        #expect(missing.status == .notFound)
        #expect(String(buffer: try await missing.collect(upTo: 1024)) == #"{"message":"not found"}"#)
        let tooLong = try await server.client.stream(.GET, "/whole?\(Self.v)")
        var limitError: UnixSocketHTTPError?
        do {
            _ = try await tooLong.collect(upTo: 1000)
        } catch let error as UnixSocketHTTPError {
            limitError = error
        }
        #expect(limitError?.code == .responseTooLarge)
    }

    @Test("client stream: cancelling the consuming task closes the connection and cancels the server's producer")
    func clientStreamCancellation() async throws {
        let probe = StreamProbe()
        let server = try await TestServer.start(router: probe.router)
        defer { Task { await server.stop() } }
        let client = server.client
        let consumer = Task {
            var received = 0
            let response = try await client.stream(.GET, "/sleeping?\(Self.v)")
            for try await chunk in response.body { received += chunk.readableBytes }
            return received
        }
        #expect(await eventually(timeout: .seconds(20)) { probe.produced == 1 })
        consumer.cancel()
        var ended: Result<Int, any Error>
        do {
            ended = .success(try await consumer.value)
        } catch {
            ended = .failure(error)
        }
        if case .success(let count) = ended { Issue.record("the body ended normally after \(count) bytes instead of being cancelled") }
        #expect(await eventually(timeout: .seconds(20)) { probe.stopped })
        #expect(probe.cancelled)
        #expect(await eventually(timeout: .seconds(20)) { server.server.openConnections(uid: getuid()) == 0 })
    }

    @Test("client stream: cancelling while waiting for the head throws CancellationError and closes the connection")
    func clientStreamCancelledBeforeTheHead() async throws {
        let probe = StreamProbe()
        let server = try await TestServer.start(router: probe.router)
        defer {
            probe.open()
            Task { await server.stop() }
        }
        let client = server.client
        let waiting = Task { try await client.stream(.GET, "/late?\(Self.v)").status }
        #expect(await eventually(timeout: .seconds(20)) { server.server.openConnections(uid: getuid()) == 1 })
        waiting.cancel()
        var failure: (any Error)?
        do {
            _ = try await waiting.value
        } catch {
            failure = error
        }
        #expect(failure is CancellationError, "\(String(describing: failure))")
        #expect(await eventually(timeout: .seconds(20)) { server.server.openConnections(uid: getuid()) == 0 })
    }

    @Test("a kept-alive connection serves another request after a streamed answer")
    func keepAliveAfterAStreamedAnswer() async throws {
        let server = try await TestServer.start(maxConnectionsPerUID: 1, router: StreamProbe().router)
        defer { Task { await server.stop() } }
        let url = "http://localhost/sequence?\(Self.v)"
        let result = try await ChildProcess.run("curl", ["-sS", "-v", "--unix-socket", server.socketPath, url, url])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "one\ntwo\nthree\none\ntwo\nthree\n")
        #expect(result.stderr.contains("Re-using existing connection") || result.stderr.contains("Reusing existing connection"), "\(result.stderr)")
    }

    @Test("client stream: a consumer that stops iterating and lets go of the body closes the connection")
    func clientStreamDropped() async throws {
        let probe = StreamProbe()
        let server = try await TestServer.start(router: probe.router)
        defer { Task { await server.stop() } }
        do {
            let response = try await server.client.stream(.GET, "/sleeping?\(Self.v)")
            for try await chunk in response.body {
                #expect(String(buffer: chunk) == "hello\n")
                break
            }
        }
        #expect(await eventually(timeout: .seconds(20)) { probe.stopped })
        #expect(probe.cancelled)
        #expect(await eventually(timeout: .seconds(20)) { server.server.openConnections(uid: getuid()) == 0 })
    }
}
