import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Logging
import MQTTBroker
import MQTTProtocol
import MQTTServer
import MQTTTransport
import NIOCore
import NIOSSL
import Synchronization
import Testing

// MARK: Failures and logging

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Silent unless `MQTT_TEST_LOG` is set to a log level (e.g. `MQTT_TEST_LOG=debug swift test ...`).
let testLogger: Logger = {
    guard let level = ProcessInfo.processInfo.environment["MQTT_TEST_LOG"].flatMap(Logger.Level.init(rawValue:)) else {
        return Logger(label: "interop-test", factory: { _ in SwiftLogNoOpLogHandler() })
    }
    var logger = Logger(label: "interop-test", factory: { StreamLogHandler.standardError(label: $0) })
    logger.logLevel = level
    return logger
}()

/// Polls `condition` until it holds or `timeout` passes; returns whether it held.
func eventually(timeout: Duration = .seconds(10), _ condition: () async throws -> Bool) async rethrows -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while clock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return try await condition()
}

// MARK: Our broker, in process

/// Our server with an ``InMemoryBroker``, listening on 127.0.0.1 with a free port.
struct Broker: Sendable {
    let server: MQTTServer<InMemoryBroker>
    let port: Int
    let tls: Bool

    /// mosquitto client arguments reaching this broker: MQTT 3.1.1, host and port, and for TLS the test CA
    /// (host `localhost`, the name in the server certificate).
    func clientArguments(_ pki: TestPKI? = nil) -> [String] {
        var arguments = ["-V", "mqttv311", "-p", "\(port)"]
        if tls, let pki {
            arguments += ["-h", "localhost", "--cafile", pki.caPEM]
        } else {
            arguments += ["-h", "127.0.0.1"]
        }
        return arguments
    }

    /// Waits until `clientID` holds subscriptions to all of `filters` (mosquitto_sub is ready).
    func waitForSubscriptions(_ clientID: String, _ filters: [String]) async throws {
        let subscribed = await eventually {
            guard let subscriptions = server.session(for: clientID)?.subscriptions else { return false }
            return filters.allSatisfy { subscriptions[$0] != nil }
        }
        guard subscribed else { throw TestFailure("\(clientID) never subscribed to \(filters)") }
    }
}

/// Records the CONNECTs the authenticator sees.
final class ConnectRecorder: Sendable {
    private let requests = Mutex<[MQTTConnectRequest]>([])

    var all: [MQTTConnectRequest] { requests.withLock { $0 } }

    func request(for clientID: String) -> MQTTConnectRequest? {
        all.last { $0.clientID == clientID }
    }

    func authenticator() -> InMemoryBroker.Authenticator {
        { request in
            self.requests.withLock { $0.append(request) }
            return .accept(request.clientID)
        }
    }
}

/// Starts our broker (configured by `configure`), runs `body`, stops the listener.
func withBroker<T>(
    _ configure: (inout MQTTServerConfiguration) throws -> Void = { _ in },
    authenticator: InMemoryBroker.Authenticator? = nil,
    _ body: (Broker) async throws -> T
) async throws -> T {
    var configuration = MQTTServerConfiguration(host: "127.0.0.1", port: 0)
    try configure(&configuration)
    let broker = InMemoryBroker(logger: testLogger, authenticator: authenticator)
    let server = try MQTTServer(configuration: configuration, delegate: broker, logger: testLogger)
    let address = try await server.start()
    let handle = Broker(server: server, port: address.port ?? 0, tls: configuration.tls != nil)
    do {
        let result = try await body(handle)
        await server.stop()
        return result
    } catch {
        await server.stop()
        throw error
    }
}

/// A server TLS setting from the test PKI.
func serverTLS(
    _ pki: TestPKI,
    clientCertificates: MQTTTLSConfiguration.ClientCertificates = .none,
    acceptsAnyClientCertificate: Bool = false
) throws -> MQTTServerConfiguration.TLS {
    .init(
        configuration: try MQTTTLSConfiguration.server(
            certificateChainPEMFile: pki.serverChainPEM,
            privateKeyPEMFile: pki.serverKey,
            clientCertificates: clientCertificates
        ),
        acceptsAnyClientCertificate: acceptsAnyClientCertificate
    )
}

// MARK: Child processes

/// Finds an executable on PATH.
func executablePath(_ name: String) throws -> String {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    for directory in path.split(separator: ":") + ["/usr/sbin", "/usr/bin"] {
        let candidate = "\(directory)/\(name)"
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    throw TestFailure("\(name) not found on PATH; run scripts/setup.sh")
}

/// A child process (mosquitto_sub, mosquitto_pub, ...) whose output is collected as it comes, without
/// blocking any thread. Call ``terminate()`` (in a `defer`) on every one started: it signals only this PID.
///
/// Output goes to temporary files rather than pipes: Foundation's `Process` on Linux lets children spawned at
/// the same time inherit each other's pipe ends, so a pipe's end of file can wait for an unrelated process.
final class ChildProcess: @unchecked Sendable {
    // `Process` is not Sendable; it is configured in `init` and then only used through its thread-safe
    // accessors (`isRunning`, `processIdentifier`, `terminate`). The exit status sits behind a lock.
    private let process = Process()
    private final class ExitStatus: Sendable {
        let value = Mutex<Int32?>(nil)
    }

    private let exit = ExitStatus()
    private let stdoutPath: String
    private let stderrPath: String
    let commandLine: String

    /// Starts `name` (looked up on PATH, or a path) with `arguments`; `stdinFile` becomes its standard input.
    init(_ name: String, _ arguments: [String], stdinFile: String? = nil) throws {
        process.executableURL = URL(fileURLWithPath: name.hasPrefix("/") ? name : try executablePath(name))
        process.arguments = arguments
        commandLine = ([name] + arguments).joined(separator: " ")
        if let stdinFile {
            guard let handle = FileHandle(forReadingAtPath: stdinFile) else { throw TestFailure("cannot read \(stdinFile)") }
            process.standardInput = handle
        } else {
            process.standardInput = FileHandle.nullDevice
        }
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("child-\(UUID().uuidString)").path
        stdoutPath = base + ".out"
        stderrPath = base + ".err"
        guard FileManager.default.createFile(atPath: stdoutPath, contents: nil),
            FileManager.default.createFile(atPath: stderrPath, contents: nil),
            let stdout = FileHandle(forWritingAtPath: stdoutPath),
            let stderr = FileHandle(forWritingAtPath: stderrPath)
        else { throw TestFailure("cannot create output files at \(base)") }
        process.standardOutput = stdout
        process.standardError = stderr
        process.terminationHandler = { [exit] process in
            let code = process.terminationStatus
            exit.value.withLock { $0 = code }
        }
        defer {
            try? stdout.close()
            try? stderr.close()
        }
        // The child inherits the spawning thread's signal mask, and Swift's worker threads block nearly every
        // signal: a mosquitto_sub started from one would never see SIGTERM. Spawn with nothing blocked.
        var unblocked = sigset_t()
        var previous = sigset_t()
        sigemptyset(&unblocked)
        pthread_sigmask(SIG_SETMASK, &unblocked, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        try process.run()
    }

    deinit {
        try? FileManager.default.removeItem(atPath: stdoutPath)
        try? FileManager.default.removeItem(atPath: stderrPath)
    }

    /// Sends SIGKILL to this process if it has not exited (it gets no chance to clean up).
    func kill() { signal(SIGKILL) }

    /// Sends SIGTERM to this process if it has not exited.
    func terminate() { signal(SIGTERM) }

    /// Signals this child's PID, and only while it has not been reaped (its exit status is unknown), so the
    /// PID cannot belong to another process. (`Process.terminate()` proved unreliable here.)
    private func signal(_ signal: Int32) {
        let pid = process.processIdentifier
        exit.value.withLock { status in
            if status == nil, pid > 0 { _ = Glibc.kill(pid, signal) }
        }
    }

    var stdout: String { String(decoding: FileManager.default.contents(atPath: stdoutPath) ?? Data(), as: UTF8.self) }
    var stderr: String { String(decoding: FileManager.default.contents(atPath: stderrPath) ?? Data(), as: UTF8.self) }

    /// Complete output lines so far.
    var lines: [String] {
        var lines = stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        lines.removeLast()  // the unfinished part after the last newline (empty when the text ends with one)
        return lines
    }

    /// Waits for at least `count` lines of output; fails with what was seen otherwise.
    func waitForLines(_ count: Int, timeout: Duration = .seconds(20)) async throws -> [String] {
        guard await eventually(timeout: timeout, { lines.count >= count }) else {
            throw TestFailure("\(commandLine): \(lines.count) of \(count) lines within \(timeout); stdout: \(stdout.suffix(500)) stderr: \(stderr.suffix(500))")
        }
        return lines
    }

    /// Waits for the process to exit; returns its exit status.
    func waitForExit(timeout: Duration = .seconds(30)) async throws -> Int32 {
        let exited = await eventually(timeout: timeout) { exit.value.withLock { $0 != nil } }
        guard exited, let code = exit.value.withLock({ $0 }) else {
            terminate()
            throw TestFailure("\(commandLine) still running after \(timeout); stdout: \(stdout.suffix(500)) stderr: \(stderr.suffix(500))")
        }
        return code
    }

    /// Runs to completion (with a timeout) and returns status and output.
    static func run(_ name: String, _ arguments: [String], stdinFile: String? = nil, timeout: Duration = .seconds(30)) async throws -> (status: Int32, stdout: String, stderr: String) {
        let child = try ChildProcess(name, arguments, stdinFile: stdinFile)
        defer { child.terminate() }
        let status = try await child.waitForExit(timeout: timeout)
        return (status, child.stdout, child.stderr)
    }
}

/// The output format the tests ask mosquitto_sub for: topic|payload|qos|retain.
let subscriberFormat = ["-F", "%t|%p|%q|%r"]

/// Runs mosquitto_pub to completion and fails unless it exits with 0.
func mosquittoPublish(_ broker: Broker, _ arguments: [String], pki: TestPKI? = nil, stdinFile: String? = nil) async throws {
    let result = try await ChildProcess.run("mosquitto_pub", broker.clientArguments(pki) + arguments, stdinFile: stdinFile)
    guard result.status == 0 else {
        throw TestFailure("mosquitto_pub \(arguments.joined(separator: " ")) exited with \(result.status): \(result.stderr)")
    }
}

/// Starts mosquitto_sub for `filters` under `clientID` and waits until our broker has its subscriptions.
func startSubscriber(
    _ broker: Broker,
    clientID: String,
    filters: [String],
    qos: Int = 1,
    count: Int,
    format: [String] = subscriberFormat,
    extra: [String] = [],
    pki: TestPKI? = nil
) async throws -> ChildProcess {
    var arguments = broker.clientArguments(pki) + ["-i", clientID, "-q", "\(qos)", "-C", "\(count)", "-W", "30"] + format + extra
    for filter in filters { arguments += ["-t", filter] }
    let subscriber = try ChildProcess("mosquitto_sub", arguments)
    do {
        try await broker.waitForSubscriptions(clientID, filters)
    } catch {
        subscriber.terminate()
        throw TestFailure("\(error); mosquitto_sub said: \(subscriber.stderr)")
    }
    return subscriber
}

/// A temporary file, removed by the caller.
func temporaryFile(_ contents: Data) throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("interop-\(UUID().uuidString)").path
    guard FileManager.default.createFile(atPath: path, contents: contents) else { throw TestFailure("cannot write \(path)") }
    return path
}

// MARK: PKI

/// `scripts/make-test-pki.sh` output plus a self-signed "rogue" client certificate from no known CA.
struct TestPKI: Sendable {
    let directory: String

    var caPEM: String { directory + "/ca.pem" }
    var serverChainPEM: String { directory + "/server-chain.pem" }
    var serverKey: String { directory + "/server.key" }
    var clientPEM: String { directory + "/client1.pem" }
    var clientKey: String { directory + "/client1.key" }
    var roguePEM: String { directory + "/rogue.pem" }
    var rogueKey: String { directory + "/rogue.key" }

    /// One PKI per test process (RSA key generation is slow).
    static func shared() throws -> TestPKI { try cached.get() }

    private static let cached: Result<TestPKI, TestFailure> = {
        do {
            let pki = try make()
            atexit {
                if case .success(let pki) = TestPKI.cached { try? FileManager.default.removeItem(atPath: pki.directory) }
            }
            return .success(pki)
        } catch {
            return .failure(TestFailure("\(error)"))
        }
    }()

    private static func make() throws -> TestPKI {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("interop-tests-pki-\(ProcessInfo.processInfo.processIdentifier)-\(UInt32.random(in: 0...UInt32.max))")
            .path
        let script = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("scripts/make-test-pki.sh").path
        try runTool("/bin/bash", [script, directory])
        try runTool(
            "/usr/bin/env",
            [
                "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30", "-subj", "/CN=rogue",
                "-keyout", directory + "/rogue.key", "-out", directory + "/rogue.pem",
                "-addext", "extendedKeyUsage=clientAuth",
            ]
        )
        return TestPKI(directory: directory)
    }

    private static func runTool(_ executable: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw TestFailure("\(executable) \(arguments.joined(separator: " ")) exited with \(process.terminationStatus)")
        }
    }
}

func commonName(of certificate: NIOSSLCertificate) -> String? {
    certificate.subjectName.last { $0.type == .commonName }?.value
}
