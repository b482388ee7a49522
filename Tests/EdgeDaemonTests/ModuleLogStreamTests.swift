import DockerClient
import EdgeDaemon
import Foundation
import Logging
import MQTTTestSupport
import NIOCore
import NIOHTTP1
import Testing
import UnixSocketHTTP

/// `ManagementClient.followLogs` against a stand-in management socket that cuts Docker's frames at every byte.
@Suite("ManagementClient.followLogs: frames put together across any chunking")
struct ModuleLogStreamTests {
    static func frame(_ stream: UInt8, _ text: String) -> [UInt8] {
        let payload = Array(text.utf8)
        let length = UInt32(payload.count)
        return [stream, 0, 0, 0, UInt8(length >> 24), UInt8((length >> 16) & 0xFF), UInt8((length >> 8) & 0xFF), UInt8(length & 0xFF)] + payload
    }

    @Test("one byte per HTTP chunk, and everything in one chunk: the same frames; a cut frame is an error")
    func anyChunking() async throws {
        let long = String(repeating: "y", count: 5_000) + "\n"
        let bytes = Self.frame(1, "out 1\n") + Self.frame(2, "err 1\n") + Self.frame(1, long) + Self.frame(1, "")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mls-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let socket = "\(directory)/mgmt.sock"
        let router = HTTPRouter(routes: [
            HTTPRoute(.GET, "/modules/{name}/logs", since: "2018-06-28") { request in
                let query = request.query
                guard query["follow"] == "true", query["tail"] == "5", query["timestamps"] == "false" else {
                    throw HTTPError(.badRequest, "unexpected query \(query)")
                }
                switch request.parameters["name"] {
                case "bytewise":
                    return .stream(headers: ["Content-Type": "text/plain"], body: HTTPResponseBodyStream { writer in
                        for byte in bytes { try await writer.write(ByteBuffer(bytes: [byte])) }
                    })
                case "whole":
                    return .stream(headers: ["Content-Type": "text/plain"], body: HTTPResponseBodyStream { writer in
                        try await writer.write(ByteBuffer(bytes: bytes))
                    })
                default:
                    return .stream(headers: ["Content-Type": "text/plain"], body: HTTPResponseBodyStream { writer in
                        try await writer.write(ByteBuffer(bytes: bytes.dropLast(3)))
                    })
                }
            }
        ])
        let server = UnixSocketHTTPServer(
            configuration: .init(endpoint: .unixSocket(path: socket)), router: router, logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
        )
        try await server.start()
        defer { Task { await server.stop() } }
        let client = ManagementClient(socketPath: socket)
        for name in ["bytewise", "whole"] {
            var frames: [DockerLogFrame] = []
            for try await frame in try await client.followLogs(name, tail: "5") { frames.append(frame) }
            #expect(frames.map(\.stream) == [.stdout, .stderr, .stdout, .stdout], "\(name)")
            #expect(frames.map(\.text) == ["out 1\n", "err 1\n", long, ""], "\(name)")
        }
        var cut: DockerError?
        var received = 0
        do {
            for try await _ in try await client.followLogs("cut", tail: "5") { received += 1 }
        } catch let error as DockerError {
            cut = error
        }
        #expect(received == 3)
        #expect(cut?.code == .invalidResponse)
    }
}
