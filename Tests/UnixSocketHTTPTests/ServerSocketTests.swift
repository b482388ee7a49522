import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import Testing
@testable import UnixSocketHTTP

@Suite("Socket setup, peer credentials and the per-uid connection limit")
struct ServerSocketTests {
    @Test func peerCredentialsAreThisProcess() async throws {
        let server = try await TestServer.start()
        defer { Task { await server.stop() } }
        let response = try await server.client.request(.GET, "/echo/me?api-version=2020-09-01")
        let echo = try JSONDecoder().decode(TestServer.Echo.self, from: Data(response.body.readableBytesView))
        #expect(echo.uid == getuid())
        #expect(echo.pid == getpid())
    }

    @Test func socketIsChmoddedAndStaleFilesAreRemoved() async throws {
        let server = try await TestServer.start(socketMode: 0o600) { path in
            try "stale".write(toFile: path, atomically: false, encoding: .utf8)
        }
        defer { Task { await server.stop() } }
        var info = stat()
        #expect(lstat(server.socketPath, &info) == 0)
        #expect(info.st_mode & S_IFMT == S_IFSOCK)
        #expect(info.st_mode & 0o777 == 0o600)
        let response = try await server.client.request(.GET, "/echo/a?api-version=2020-09-01")
        #expect(response.status == .ok)
    }

    @Test func defaultModeIs0660AndStaleDirectoryIsRemoved() async throws {
        let server = try await TestServer.start { path in
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        }
        defer { Task { await server.stop() } }
        var info = stat()
        #expect(lstat(server.socketPath, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o660)
    }

    @Test func overTheLimitAnswers429InsteadOfDropping() async throws {
        let server = try await TestServer.start(maxConnectionsPerUID: 2)
        defer { Task { await server.stop() } }
        var idle: [any Channel] = []
        for _ in 0..<2 {
            idle.append(try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton).connect(unixDomainSocketPath: server.socketPath).get())
        }
        let uid = UInt32(getuid())
        for _ in 0..<200 where server.server.openConnections(uid: uid) < 2 {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(server.server.openConnections(uid: uid) == 2)

        let rejected = try await server.client.request(.GET, "/echo/a?api-version=2020-09-01")
        #expect(rejected.status == .tooManyRequests)
        #expect(rejected.headers["Retry-After"] == ["1"])
        #expect(rejected.message?.contains("too many simultaneous connections for user \(uid)") == true)
        #expect(server.server.openConnections(uid: uid) == 2)

        for channel in idle { try await channel.close() }
        for _ in 0..<200 where server.server.openConnections(uid: uid) > 0 {
            try await Task.sleep(for: .milliseconds(10))
        }
        let accepted = try await server.client.request(.GET, "/echo/a?api-version=2020-09-01")
        #expect(accepted.status == .ok)
    }

    @Test func bindFailureSaysWhatToDo() async throws {
        let server = UnixSocketHTTPServer(
            configuration: .init(endpoint: .unixSocket(path: "/nonexistent-dir-\(getpid())/x.sock")),
            router: TestServer.router,
            logger: .init(label: "test") { _ in SwiftLogNoOpLogHandler() }
        )
        await #expect(throws: UnixSocketHTTPError.self) { try await server.start() }
    }

    @Test func clientReportsAMissingSocket() async throws {
        let client = UnixSocketHTTPClient(socketPath: "/nonexistent-dir-\(getpid())/x.sock")
        await #expect(throws: UnixSocketHTTPError.self) { _ = try await client.request(.GET, "/") }
    }

    @Test func systemdActivationPicksTheNamedDescriptor() throws {
        let pid = getpid()
        #expect(try SystemdSocketActivation.listenDescriptor(named: nil, environment: [:], setCloseOnExec: false) == nil)
        #expect(try SystemdSocketActivation.listenDescriptor(named: nil, environment: ["LISTEN_PID": "1", "LISTEN_FDS": "1"], pid: pid == 1 ? 2 : pid, setCloseOnExec: false) == nil)
        let env = ["LISTEN_PID": "\(pid)", "LISTEN_FDS": "2", "LISTEN_FDNAMES": "aziot-keyd.socket:keyd"]
        // setCloseOnExec: false leaves the test process's own fds 3 and 4 alone.
        #expect(try SystemdSocketActivation.listenDescriptor(named: "keyd", environment: env, pid: pid, setCloseOnExec: false) == 4)
        #expect(throws: UnixSocketHTTPError.self) {
            try SystemdSocketActivation.listenDescriptor(named: "certd", environment: env, pid: pid, setCloseOnExec: false)
        }
        #expect(throws: UnixSocketHTTPError.self) {
            try SystemdSocketActivation.listenDescriptor(named: nil, environment: ["LISTEN_PID": "\(pid)"], pid: pid, setCloseOnExec: false)
        }
    }
}

extension ServerSocketTests {
    @Test func servesOnAnInheritedListeningDescriptor() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("uds-fd-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = "\(directory)/inherited.sock"
        // What systemd would hand over: a bound, listening Unix stream socket.
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        try #require(fd >= 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: path.utf8) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        try #require(bound == 0)
        try #require(listen(fd, 16) == 0)

        let server = UnixSocketHTTPServer(
            configuration: .init(endpoint: .inheritedDescriptor(fd)),
            router: TestServer.router,
            logger: .init(label: "test") { _ in SwiftLogNoOpLogHandler() }
        )
        try await server.start()
        defer { Task { await server.stop() } }
        let response = try await UnixSocketHTTPClient(socketPath: path).request(.GET, "/echo/fd?api-version=2020-09-01")
        #expect(response.status == .ok)
        let echo = try JSONDecoder().decode(TestServer.Echo.self, from: Data(response.body.readableBytesView))
        #expect(echo.uid == getuid())
    }
}
