public import Foundation

/// A Debian mosquitto broker started for one test on free loopback ports: a plain listener, a TLS listener with the
/// shared ``TestPKI`` server certificate, and a listener that requires user `alice` with password `s3cret`.
/// ``stop()`` kills only the process it started.
public final class MosquittoBroker: @unchecked Sendable {
    // @unchecked: `process` is only touched by the test that owns the broker, never concurrently.
    public let directory: URL
    public let pki: TestPKI
    public private(set) var plainPort = 0
    public private(set) var tlsPort = 0
    public private(set) var passwordPort = 0
    private var process: ChildProcess?

    public init() async throws {
        pki = try TestPKI.shared()
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("mosquitto-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let passwd = directory.appendingPathComponent("passwd").path
        let made = try await ChildProcess.run("mosquitto_passwd", ["-b", "-c", passwd, "alice", "s3cret"])
        guard made.status == 0 else { throw TestFailure("mosquitto_passwd failed: \(made.stderr)") }
        // A port found free can be taken by a parallel test before mosquitto binds it: then pick again.
        for attempt in 1...5 {
            plainPort = try await freePort()
            tlsPort = try await freePort()
            passwordPort = try await freePort()
            try writeConfiguration(passwordFile: passwd)
            do {
                try await start()
                return
            } catch let failure as TestFailure where failure.description.contains("Address already in use") && attempt < 5 {
                continue
            }
        }
    }

    private func writeConfiguration(passwordFile passwd: String) throws {
        let config = """
            per_listener_settings true
            persistence false
            log_dest stderr
            log_type error
            user root
            listener \(plainPort) 127.0.0.1
            allow_anonymous true
            listener \(tlsPort) 127.0.0.1
            allow_anonymous true
            cafile \(pki.caPEM)
            certfile \(pki.serverChainPEM)
            keyfile \(pki.serverKey)
            listener \(passwordPort) 127.0.0.1
            allow_anonymous false
            password_file \(passwd)

            """
        try config.write(to: directory.appendingPathComponent("mosquitto.conf"), atomically: true, encoding: .utf8)
    }

    /// Starts (or restarts) mosquitto on the same ports and waits until every listener accepts connections.
    public func start() async throws {
        let process = try ChildProcess("mosquitto", ["-c", directory.appendingPathComponent("mosquitto.conf").path])
        self.process = process
        let ports = [plainPort, tlsPort, passwordPort]
        var ready = false
        for _ in 0..<200 {
            guard process.isRunning else { break }
            var all = true
            for port in ports where !(await canConnect(port: port)) { all = false }
            if all {
                ready = true
                break
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        guard ready else {
            process.kill()
            throw TestFailure("mosquitto did not listen on \(ports): \(process.stderr)")
        }
    }

    /// Kills the mosquitto this object started (SIGKILL: for the reconnect tests, a crash).
    public func stop() async {
        guard let process else { return }
        process.kill()
        _ = try? await process.waitForExit(timeout: .seconds(10))
        self.process = nil
    }

    deinit {
        process?.kill()
        try? FileManager.default.removeItem(at: directory)
    }
}
