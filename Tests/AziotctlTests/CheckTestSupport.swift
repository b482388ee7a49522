import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Logging
import MQTTTestSupport
import NIOCore
import NIOHTTP1
import Synchronization
import UnixSocketHTTP

/// Executables built next to the test bundle by `swift build --build-tests`.
func builtExecutable(_ name: String) throws -> String {
    let candidates = [
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(name).path,
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".build/debug/\(name)").path,
    ]
    guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
        throw TestFailure("\(name) is not built next to the tests; build with `swift build --build-tests`")
    }
    return found
}

/// A device in a temporary directory for `aziotctl check`: config files for keyd, certd, identityd and tpmd (through
/// the `AZIOT_<SVC>_CONFIG(_DIR)` overrides), real `aziotd keyd` / `aziotd certd` processes, a stand-in identityd,
/// and key and certificate files made with openssl.
final class CheckDevice: @unchecked Sendable {
    let root: String
    private(set) var processes: [String: ChildProcess] = [:]
    private var identityd: UnixSocketHTTPServer?

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("aziotctl-check-\(UUID().uuidString.prefix(8))").path
        for service in ["keyd", "certd", "identityd", "tpmd"] {
            try FileManager.default.createDirectory(atPath: "\(root)/etc/\(service)/config.d", withIntermediateDirectories: true)
        }
        for directory in ["run", "files", "var/identityd"] {
            try FileManager.default.createDirectory(atPath: "\(root)/\(directory)", withIntermediateDirectories: true)
        }
    }

    func socket(_ service: String) -> String { "\(root)/run/\(service).sock" }
    func home(_ service: String) -> String { "\(root)/var/\(service)" }
    func configFile(_ service: String) -> String { "\(root)/etc/\(service)/config.toml" }
    func configDirectory(_ service: String) -> String { "\(root)/etc/\(service)/config.d" }
    func file(_ name: String) -> String { "\(root)/files/\(name)" }
    var superConfig: String { "\(root)/etc/config.toml" }

    /// The overrides that point the daemons and aziotctl at this device.
    var environment: [String: String] {
        var environment = ["AZIOTCTL_CONFIG": superConfig, "AZIOT_CONFIG_DEBOUNCE_MS": "300"]
        for service in ["keyd", "certd", "identityd", "tpmd"] {
            environment["AZIOT_\(service.uppercased())_CONFIG"] = configFile(service)
            environment["AZIOT_\(service.uppercased())_CONFIG_DIR"] = configDirectory(service)
        }
        return environment
    }

    func write(_ path: String, _ text: String) throws {
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    func writeKeyd(_ extra: String = "") throws {
        try write(configFile("keyd"), """
            [aziot_keys]
            homedir_path = "\(home("keyd"))"

            [endpoints]
            aziot_keyd = "unix://\(socket("keyd"))"

            """ + extra)
    }

    func writeCertd(_ extra: String = "") throws {
        try write(configFile("certd"), """
            homedir_path = "\(home("certd"))"

            [endpoints]
            aziot_certd = "unix://\(socket("certd"))"
            aziot_keyd = "unix://\(socket("keyd"))"

            """ + extra)
    }

    /// identityd's config: this machine's hostname and the stand-in identityd's socket, plus `provisioning`.
    func writeIdentityd(hostname: String? = nil, provisioning: String) throws {
        try write(configFile("identityd"), """
            hostname = "\(hostname ?? Self.machineHostname)"
            homedir = "\(home("identityd"))"

            [endpoints]
            aziot_identityd = "unix://\(socket("identityd"))"

            """ + provisioning)
    }

    static var machineHostname: String {
        var buffer = [CChar](repeating: 0, count: 256)
        gethostname(&buffer, buffer.count)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Starts `aziotd <service>` and waits until it listens.
    func start(_ service: String) async throws {
        let child = try ChildProcess(try builtExecutable("aziotd"), [service], environment: environment)
        processes[service] = child
        let ready = await eventually(timeout: .seconds(20)) {
            !child.isRunning || FileManager.default.fileExists(atPath: self.socket(service)) && child.stderr.contains("listening")
        }
        guard ready, child.isRunning else { throw TestFailure("aziotd \(service) did not start: \(child.stderr.suffix(2000))") }
    }

    func stop(_ service: String) async throws {
        guard let child = processes.removeValue(forKey: service) else { return }
        child.terminate()
        _ = try await child.waitForExit(timeout: .seconds(15))
    }

    /// A stand-in identityd answering `GET /identities/provisioning` and `GET /identities/identity` for a device of `hub`.
    func startIdentityd(hub: String) async throws {
        let router = HTTPRouter(routes: [
            HTTPRoute(.GET, "/identities/provisioning", since: "2021-12-01") { _ in
                HTTPServerResponse(status: .ok, body: ByteBuffer(string: #"{"source":"manual","auth":"x509"}"#))
            },
            HTTPRoute(.GET, "/identities/identity", since: "2020-09-01") { _ in
                HTTPServerResponse(
                    status: .ok,
                    body: ByteBuffer(string: #"{"type":"aziot","spec":{"hubName":"\#(hub)","gatewayHost":"\#(hub)","deviceId":"dev-1","auth":{"type":"x509","keyHandle":"h","certId":"device-id"}}}"#))
            },
        ])
        let server = UnixSocketHTTPServer(
            configuration: .init(endpoint: .unixSocket(path: socket("identityd"))), router: router,
            logger: Logger(label: "fake-identityd") { _ in SwiftLogNoOpLogHandler() })
        try await server.start()
        identityd = server
    }

    /// An EC P-256 key (PKCS#8 PEM) and a self-signed certificate for it valid for `days` (negative: already expired).
    func makeKeyAndCertificate(_ name: String, days: Int = 365, curve: String = "prime256v1") async throws -> (key: String, cert: String) {
        let key = file("\(name).key.pem")
        let cert = file("\(name).cert.pem")
        try await openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:\(curve)", "-out", key])
        try await openssl(["req", "-new", "-key", key, "-subj", "/CN=\(name)", "-out", file("\(name).csr")])
        try await openssl(["x509", "-req", "-in", file("\(name).csr"), "-signkey", key, "-days", "\(days)", "-out", cert])
        return (key, cert)
    }

    /// A CA and a server certificate for localhost/127.0.0.1 it signs; returns (CA file, server cert, server key).
    func makeServerPKI() async throws -> (ca: String, cert: String, key: String) {
        let caKey = file("tls-ca.key")
        let ca = file("tls-ca.pem")
        try await openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-out", caKey])
        try await openssl([
            "req", "-x509", "-new", "-key", caKey, "-subj", "/CN=Check Test CA", "-days", "30", "-out", ca,
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        ])
        let key = file("tls-server.key")
        try await openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-out", key])
        try await openssl(["req", "-new", "-key", key, "-subj", "/CN=localhost", "-out", file("tls-server.csr")])
        try write(file("tls-server.ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n")
        let cert = file("tls-server.pem")
        try await openssl([
            "x509", "-req", "-in", file("tls-server.csr"), "-CA", ca, "-CAkey", caKey, "-CAcreateserial", "-days", "30",
            "-extfile", file("tls-server.ext"), "-out", cert,
        ])
        return (ca, cert, key)
    }

    /// `openssl s_server` on a free port of 127.0.0.1, answering TLS handshakes with `cert`.
    func startTLSServer(cert: String, key: String) async throws -> Int {
        for _ in 0..<5 {
            let port = try await freePort()
            let child = try ChildProcess("openssl", ["s_server", "-accept", "127.0.0.1:\(port)", "-cert", cert, "-key", key, "-quiet"])
            processes["s_server-\(port)"] = child
            let listening = await eventually(timeout: .seconds(10)) {
                if !child.isRunning { return true }
                return await canConnect(port: port)
            }
            if listening, child.isRunning { return port }
            child.terminate()
        }
        throw TestFailure("openssl s_server did not start")
    }

    /// Runs `aziotctl` with this device's environment plus `extra`.
    func aziotctl(_ arguments: [String], extra: [String: String] = [:], user: String? = nil) async throws -> (status: Int32, stdout: String, stderr: String) {
        let binary = try builtExecutable("aziotctl")
        let assignments = environment.merging(extra) { $1 }.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        let prefix = user.map { ["/usr/bin/setpriv", "--reuid=\($0)", "--regid=\($0)", "--clear-groups", "/usr/bin/env"] } ?? ["/usr/bin/env"]
        return try await ChildProcess.run(prefix[0], Array(prefix.dropFirst()) + assignments + [binary] + arguments, timeout: .seconds(120))
    }

    /// `aziotctl check -o json` with `arguments`: the exit status and the parsed document.
    func checkJSON(_ arguments: [String], extra: [String: String] = [:]) async throws -> (status: Int32, document: CheckDocument) {
        let result = try await aziotctl(["check", "-o", "json"] + arguments, extra: extra)
        return (result.status, try CheckDocument(result.stdout))
    }

    /// Stops every process this device started and removes its directory. Synchronous, so that a `defer` runs it
    /// before the test returns (a `Task` in a `defer` may never run before the test process exits).
    func shutdown() {
        if let identityd { Task { await identityd.stop() } }
        identityd = nil
        for (_, child) in processes { child.terminate() }
        processes = [:]
        try? FileManager.default.removeItem(atPath: root)
    }
}

/// `check -o json` output.
struct CheckDocument {
    let object: [String: Any]

    init(_ text: String) throws {
        guard let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            throw TestFailure("not a JSON object: \(text)")
        }
        self.object = object
    }

    var checks: [String: [String: Any]] { object["checks"] as? [String: [String: Any]] ?? [:] }

    /// The `result` kind of a check (`ok`, `warning`, …), nil when it did not run.
    func result(_ id: String) -> String? { (checks[id]?["result"] as? [String: Any])?["result"] as? String }

    /// The details of a failed check, joined by newlines.
    func details(_ id: String) -> String { ((checks[id]?["result"] as? [String: Any])?["details"] as? [String])?.joined(separator: "\n") ?? "" }

    func info(_ id: String) -> [String: Any] { checks[id]?["additional_info"] as? [String: Any] ?? [:] }

    /// Every check id → result kind, for failure messages.
    var summary: String { checks.keys.sorted().map { "\($0)=\(result($0) ?? "?")" }.joined(separator: " ") }
}

/// An SNTP server on a free UDP port of 127.0.0.1 whose clock is `skew` seconds off, on its own thread.
final class SNTPResponder: @unchecked Sendable {
    let port: Int
    private let fd: Int32
    private final class Flag: Sendable {
        let raised = Mutex(false)
    }

    private let stopped = Flag()
    private let thread: Thread

    init(skew: Double) throws {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket: \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard bound == 0 else { throw TestFailure("bind: \(errno)") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        self.fd = fd
        self.port = Int(UInt16(bigEndian: address.sin_port))
        let stopped = self.stopped
        thread = Thread {
            while !stopped.raised.withLock({ $0 }) {
                var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                guard poll(&poller, 1, 100) > 0 else { continue }
                var buffer = [UInt8](repeating: 0, count: 512)
                var peer = sockaddr_storage()
                var peerLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
                let count = buffer.withUnsafeMutableBytes { bytes in
                    withUnsafeMutablePointer(to: &peer) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(fd, bytes.baseAddress, bytes.count, 0, $0, &peerLength) } }
                }
                guard count >= 48 else { continue }
                let now = Self.ntpTimestamp(Date().timeIntervalSince1970 + skew)
                var reply = [UInt8](repeating: 0, count: 48)
                reply[0] = 0 << 6 | 4 << 3 | 4  // no leap warning, version 4, server mode
                reply[1] = 2  // stratum 2
                reply.replaceSubrange(24..<32, with: buffer[40..<48])  // originate = the client's transmit time
                reply.replaceSubrange(32..<40, with: now)  // receive
                reply.replaceSubrange(40..<48, with: now)  // transmit
                _ = reply.withUnsafeBytes { bytes in
                    withUnsafePointer(to: &peer) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(fd, bytes.baseAddress, bytes.count, 0, $0, peerLength) } }
                }
            }
            close(fd)
        }
        thread.start()
    }

    static func ntpTimestamp(_ unixTime: Double) -> [UInt8] {
        let ntp = unixTime + 2_208_988_800
        let seconds = UInt64(ntp)
        let fraction = UInt64((ntp - Double(seconds)) * 4_294_967_296)
        let value = seconds << 32 | fraction
        return (0..<8).map { UInt8(truncatingIfNeeded: value >> (56 - 8 * $0)) }
    }

    func stop() { stopped.raised.withLock { $0 = true } }
}

@discardableResult
func openssl(_ arguments: [String]) async throws -> String {
    let result = try await ChildProcess.run("openssl", arguments)
    guard result.status == 0 else { throw TestFailure("openssl \(arguments.joined(separator: " ")) failed: \(result.stderr)\(result.stdout)") }
    return result.stdout
}

/// A UDP port of 127.0.0.1 that nothing listens on (an SNTP query to it is refused).
func closedUDPPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// A minimal HTTP `CONNECT` proxy on a free port of 127.0.0.1 (its own threads): it records each target, answers
/// `status` (200 relays the bytes both ways), and refuses anything else with 400.
final class ConnectProxy: @unchecked Sendable {
    let port: Int
    private let fd: Int32
    private let state = Mutex<(stopped: Bool, targets: [String])>((false, []))

    var targets: [String] { state.withLock { $0.targets } }

    init(status: Int = 200) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.fd = fd
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard bound == 0, listen(fd, 16) == 0 else { throw TestFailure("cannot listen: \(errno)") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        port = Int(UInt16(bigEndian: address.sin_port))
        Thread { [self] in
            while !state.withLock({ $0.stopped }) {
                var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                guard poll(&poller, 1, 100) > 0 else { continue }
                let client = accept(fd, nil, nil)
                guard client >= 0 else { continue }
                Thread { self.serve(client, status: status) }.start()
            }
            Glibc.close(fd)
        }.start()
    }

    func stop() { state.withLock { $0.stopped = true } }

    private func serve(_ client: Int32, status: Int) {
        defer { Glibc.close(client) }
        var head: [UInt8] = []
        var byte: UInt8 = 0
        while !head.suffix(4).elementsEqual([13, 10, 13, 10]) {
            guard read(client, &byte, 1) == 1 else { return }
            head.append(byte)
        }
        let line = String(decoding: head, as: UTF8.self).split(separator: "\r\n").first ?? ""
        let parts = line.split(separator: " ")
        guard parts.count == 3, parts[0] == "CONNECT" else {
            reply(client, "HTTP/1.1 400 Bad Request\r\n\r\n")
            return
        }
        let target = String(parts[1])
        state.withLock { $0.targets.append(target) }
        guard status == 200, let colon = target.lastIndex(of: ":"), let targetPort = UInt16(target[target.index(after: colon)...]) else {
            reply(client, "HTTP/1.1 \(status) Refused\r\n\r\n")
            return
        }
        let upstream = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { Glibc.close(upstream) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")  // tests only proxy to this machine
        address.sin_port = targetPort.bigEndian
        let connected = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(upstream, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard connected == 0 else {
            reply(client, "HTTP/1.1 502 Bad Gateway\r\n\r\n")
            return
        }
        reply(client, "HTTP/1.1 200 Connection established\r\n\r\n")
        var buffer = [UInt8](repeating: 0, count: 16_384)
        while true {
            var pollers = [pollfd(fd: client, events: Int16(POLLIN), revents: 0), pollfd(fd: upstream, events: Int16(POLLIN), revents: 0)]
            guard poll(&pollers, 2, 10_000) > 0 else { return }
            for (from, to) in [(0, upstream), (1, client)] where pollers[from].revents != 0 {
                let count = buffer.withUnsafeMutableBytes { read(pollers[from].fd, $0.baseAddress, $0.count) }
                guard count > 0 else { return }
                _ = buffer.withUnsafeBytes { write(to, $0.baseAddress, count) }
            }
        }
    }

    private func reply(_ client: Int32, _ text: String) {
        _ = Array(text.utf8).withUnsafeBytes { write(client, $0.baseAddress, $0.count) }
    }
}
