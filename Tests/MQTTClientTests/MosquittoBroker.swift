import Foundation
import NIOCore
import NIOPosix

/// A Debian mosquitto broker started for one test on free loopback ports, with a plain listener, a TLS listener
/// (server certificate for localhost/127.0.0.1 from a fresh test PKI) and a listener that requires a password.
/// Stopped (by the PID it started) in ``stop()``.
final class MosquittoBroker: @unchecked Sendable {
    // @unchecked: `process` is only touched by the test that owns the broker, never concurrently.
    let directory: URL
    let plainPort: Int
    let tlsPort: Int
    let passwordPort: Int
    private var process: Process?

    var caFile: String { directory.appendingPathComponent("pki/ca.pem").path }

    init(persistence: Bool = false) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("mosquitto-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        plainPort = try freePort()
        tlsPort = try freePort()
        passwordPort = try freePort()
        let pki = directory.appendingPathComponent("pki").path
        try run("/bin/bash", [projectRoot().appendingPathComponent("scripts/make-test-pki.sh").path, pki])
        try run("/usr/bin/mosquitto_passwd", ["-b", "-c", directory.appendingPathComponent("passwd").path, "alice", "s3cret"])
        let config = """
            per_listener_settings true
            persistence \(persistence ? "true" : "false")
            persistence_location \(directory.path)/
            log_dest stderr
            log_type error
            user root
            listener \(plainPort) 127.0.0.1
            allow_anonymous true
            listener \(tlsPort) 127.0.0.1
            allow_anonymous true
            cafile \(pki)/ca.pem
            certfile \(pki)/server-chain.pem
            keyfile \(pki)/server.key
            listener \(passwordPort) 127.0.0.1
            allow_anonymous false
            password_file \(directory.path)/passwd

            """
        try config.write(to: directory.appendingPathComponent("mosquitto.conf"), atomically: true, encoding: .utf8)
        try start()
    }

    /// Starts (or restarts) mosquitto on the same ports and waits until it accepts connections.
    func start() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/mosquitto")
        process.arguments = ["-c", directory.appendingPathComponent("mosquitto.conf").path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = process
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if [plainPort, tlsPort, passwordPort].allSatisfy(canConnect(port:)) { return }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw TestFailure("mosquitto did not start listening on \(plainPort)")
    }

    /// Stops the mosquitto this object started, with SIGKILL: children of the test process inherit a signal mask
    /// that blocks SIGTERM, so `terminate()` would never land. For the reconnect test this is a crash, as intended.
    func stop() {
        guard let process, process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        self.process = nil
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(at: directory)
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

func projectRoot(file: String = #filePath) -> URL {
    URL(fileURLWithPath: file).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
}

func run(_ executable: String, _ arguments: [String]) throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw TestFailure("\(executable) \(arguments.joined(separator: " ")) exited with \(process.terminationStatus)")
    }
}

/// A port that was free a moment ago on 127.0.0.1.
func freePort() throws -> Int {
    let channel = try ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).wait()
    defer { try? channel.close().wait() }
    return channel.localAddress!.port!
}

func canConnect(port: Int) -> Bool {
    guard let channel = try? ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton).connect(host: "127.0.0.1", port: port).wait() else {
        return false
    }
    try? channel.close().wait()
    return true
}
