import AziotClients
import Crypto
import Foundation
import KeyService
import Logging
import MQTTTestSupport
import NIOCore
import NIOHTTP1
import Synchronization
import UnixSocketHTTP

/// keyd on a socket in a fresh temporary directory (its homedir there too), served by a real `UnixSocketHTTPServer`.
struct KeydTestServer {
    let directory: String
    let socketPath: String
    let homedir: String
    let service: KeyService
    let server: UnixSocketHTTPServer
    let logs: LogStore
    var client: KeyClient { KeyClient(socketPath: socketPath) }

    /// A new server with a fresh directory.
    static func start(
        principals: [KeydConfiguration.Principal] = [],
        preloaded: [String: PreloadedKeyLocation] = [:],
        socketMode: UInt32 = 0o660
    ) async throws -> KeydTestServer {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("keyd-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        // Reachable by the unprivileged uids the authorization tests run curl as.
        chmod(directory, 0o755)
        return try await start(in: directory, principals: principals, preloaded: preloaded, socketMode: socketMode)
    }

    /// A server on an existing directory (a restart keeps the homedir and its keys).
    static func start(
        in directory: String,
        principals: [KeydConfiguration.Principal] = [],
        preloaded: [String: PreloadedKeyLocation] = [:],
        socketMode: UInt32 = 0o660
    ) async throws -> KeydTestServer {
        let homedir = directory + "/home"
        try FileManager.default.createDirectory(atPath: homedir, withIntermediateDirectories: true)
        let configuration = KeydConfiguration(
            aziotKeys: .init(homedirPath: homedir),
            preloadedKeys: preloaded,
            principals: principals,
            endpoint: .unix(path: directory + "/keyd.sock")
        )
        let logs = LogStore()
        let logger = Logger(label: "keyd") { _ in RecordingLogHandler(store: logs) }
        let service = try KeyService(configuration: configuration, logger: logger)
        let socketPath = directory + "/keyd.sock"
        let server = UnixSocketHTTPServer(
            configuration: .init(endpoint: .unixSocket(path: socketPath), socketMode: socketMode, maxConnectionsPerUID: configuration.maxRequests),
            router: KeydHTTPAPI.router(service: service, logger: logger),
            logger: logger
        )
        try await server.start()
        return KeydTestServer(directory: directory, socketPath: socketPath, homedir: homedir, service: service, server: server, logs: logs)
    }

    /// Stops the server and keeps the directory (for a restart).
    func stopKeepingFiles() async {
        await server.stop()
    }

    /// Stops the server and removes the directory.
    func stop() async {
        await server.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Where key `id` is stored.
    func keyFile(_ id: String) -> String { homedir + "/keys/" + Self.fileName(id) }

    /// The expected file name, computed independently of the service.
    static func fileName(_ id: String) -> String {
        let alnum = String(id.unicodeScalars.filter { $0.isASCII && CharacterSet.alphanumerics.contains($0) }.map(Character.init))
        let hash = SHA256.hash(data: Data(id.utf8)).map { String(format: "%02x", $0) }.joined()
        return "\(alnum)-\(hash).key"
    }

    /// One request with curl (optionally as another uid through setpriv); returns status and body.
    func curl(
        _ method: String,
        _ target: String,
        body: String? = nil,
        contentType: String? = "application/json",
        uid: UInt32? = nil
    ) async throws -> (status: Int, body: String) {
        var arguments = ["-sS", "--unix-socket", socketPath, "-X", method, "-w", "\n%{http_code}"]
        if let body {
            if let contentType { arguments += ["-H", "Content-Type: \(contentType)"] }
            arguments += ["--data-binary", body]
        }
        arguments.append("http://keyd.sock\(target)")
        let result: (status: Int32, stdout: String, stderr: String)
        if let uid {
            result = try await ChildProcess.run(
                "setpriv", ["--reuid=\(uid)", "--regid=\(uid)", "--clear-groups", try executablePath("curl")] + arguments
            )
        } else {
            result = try await ChildProcess.run("curl", arguments)
        }
        guard result.status == 0, let newline = result.stdout.lastIndex(of: "\n"), let code = Int(result.stdout[newline...].dropFirst()) else {
            throw TestFailure("curl failed (\(result.status)): \(result.stderr) \(result.stdout)")
        }
        return (code, String(result.stdout[..<newline]))
    }
}

/// Every log line the service wrote.
final class LogStore: Sendable {
    let lines = Mutex<[String]>([])
    var all: [String] { lines.withLock { $0 } }
}

struct RecordingLogHandler: LogHandler {
    let store: LogStore
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let metadata = (event.metadata ?? [:]).merging(self.metadata) { new, _ in new }
        store.lines.withLock { $0.append("\(event.message) \(metadata)") }
    }
}

/// The `message` of a JSON error body.
func errorMessage(_ body: String) -> String? {
    (try? JSONDecoder().decode([String: String].self, from: Data(body.utf8)))?["message"]
}

/// Runs `body` and returns the `KeyClientError` it throws (nil if it throws nothing or something else).
func keyClientError(_ body: () async throws -> Void) async -> KeyClientError? {
    do {
        try await body()
        return nil
    } catch let error as KeyClientError {
        return error
    } catch {
        return nil
    }
}

/// A temporary file holding `bytes`, removed by the caller.
func temporaryFile(_ bytes: Data, suffix: String = "") throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("keyd-test-\(UUID().uuidString)\(suffix)").path
    guard FileManager.default.createFile(atPath: path, contents: bytes) else { throw TestFailure("cannot write \(path)") }
    return path
}

/// Runs openssl; fails the test with its output when it exits non-zero.
@discardableResult
func openssl(_ arguments: [String]) async throws -> String {
    let result = try await ChildProcess.run("openssl", arguments)
    guard result.status == 0 else { throw TestFailure("openssl \(arguments.joined(separator: " ")) failed: \(result.stderr) \(result.stdout)") }
    return result.stdout
}
