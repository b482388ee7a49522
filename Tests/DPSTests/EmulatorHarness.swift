import Foundation
import HubEmulator
import IoTHubProtocol
import Logging
import MQTTTestSupport
import ServiceLifecycle
import Synchronization

/// The DPS global endpoint name the HTTP tests use (the default); curl resolves it to 127.0.0.1 with `--resolve`.
let testDPSHostName = "global.azure-devices-provisioning.net"

/// A whole emulator (registry, MQTT gateway, HTTPS service API and DPS) on free ports of 127.0.0.1 in a temporary
/// data folder, run under a service group; clients are curl and openssl processes.
final class EmulatorHarness: Sendable {
    let directory: String
    let server: HubEmulatorServer
    let group: ServiceGroup
    let task: Task<Void, any Error>
    let httpsPort: Int

    private final class ReadyBox: Sendable {
        let endpoints = Mutex<HubEmulatorServer.Endpoints?>(nil)
    }

    private init(directory: String, server: HubEmulatorServer, group: ServiceGroup, task: Task<Void, any Error>, httpsPort: Int) {
        self.directory = directory
        self.server = server
        self.group = group
        self.task = task
        self.httpsPort = httpsPort
    }

    static func start(deviceCAFiles: [String] = []) async throws -> EmulatorHarness {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("DPSTests-emulator-\(UUID().uuidString)").path
        let ready = ReadyBox()
        let configuration = HubEmulatorConfiguration(
            dataDirectory: directory, hostName: testHubName, mqttPort: 0, httpsPort: 0, deviceCAFiles: deviceCAFiles,
            dpsHostName: testDPSHostName, idScope: testIdScope)
        let server = try HubEmulatorServer(configuration: configuration, logger: makeTestLogger(label: "emulator")) { endpoints in
            ready.endpoints.withLock { $0 = endpoints }
        }
        let group = ServiceGroup(configuration: .init(services: [server], logger: makeTestLogger(label: "service-group")))
        let task = Task { try await group.run() }
        guard await eventually(timeout: .seconds(30), { ready.endpoints.withLock { $0 != nil } }),
            let port = ready.endpoints.withLock({ $0?.httpsPort })
        else {
            await group.triggerGracefulShutdown()
            throw TestFailure("the emulator did not become ready")
        }
        return EmulatorHarness(directory: directory, server: server, group: group, task: task, httpsPort: port)
    }

    func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
        try? FileManager.default.removeItem(atPath: directory)
    }

    var caPath: String { server.pki.caCertificatePath }

    /// A `SharedAccessSignature` for the `iothubowner` policy (the service API's credentials) with audience `host`.
    func ownerToken(host: String = testHubName) throws -> String {
        let policy = server.ownerPolicy
        return try SharedAccessSignature.make(
            resource: host, key: policy.primaryKey, expiry: UInt64(Date().timeIntervalSince1970) + 600, keyName: policy.name
        ).description
    }

    /// An HTTP answer: the status and the body (parsed when it is JSON).
    struct Answer: CustomStringConvertible {
        var status: Int
        var body: String
        var json: JSONValue? { try? JSONValue(parsing: body) }
        var description: String { "\(status) \(body)" }
    }

    /// Calls `https://{host}{path}` with curl, which resolves `host` to the emulator and trusts its CA only.
    func curl(
        _ method: String, _ path: String, host: String = testHubName, headers: [String] = [], body: String? = nil,
        clientCertificate: (certificate: String, key: String)? = nil
    ) async throws -> Answer {
        var arguments = [
            "-s", "-S", "-X", method, "--resolve", "\(host):\(httpsPort):127.0.0.1", "--cacert", caPath, "-w", "\n%{http_code}",
            "--max-time", "30",
        ]
        for header in headers { arguments += ["-H", header] }
        if let body { arguments += ["-H", "Content-Type: application/json", "--data-binary", body] }
        if let clientCertificate { arguments += ["--cert", clientCertificate.certificate, "--key", clientCertificate.key] }
        arguments.append("https://\(host):\(httpsPort)\(path)")
        let result = try await ChildProcess.run("curl", arguments, timeout: .seconds(60))
        guard result.status == 0, let newline = result.stdout.lastIndex(of: "\n"),
            let status = Int(result.stdout[result.stdout.index(after: newline)...])
        else {
            throw TestFailure("curl \(method) \(path) failed (\(result.status)): \(result.stderr) \(result.stdout)")
        }
        return Answer(status: status, body: String(result.stdout[..<newline]))
    }
}

/// `base64(HMAC-SHA256(base64decode(key), message))` computed by openssl (an implementation independent of ours).
func opensslHMAC(key: String, message: String) async throws -> String {
    guard let keyBytes = Data(base64Encoded: key) else { throw TestFailure("key is not base64") }
    let base = FileManager.default.temporaryDirectory.appendingPathComponent("hmac-\(UUID().uuidString)").path
    defer {
        try? FileManager.default.removeItem(atPath: base + ".in")
        try? FileManager.default.removeItem(atPath: base + ".out")
    }
    try Data(message.utf8).write(to: URL(fileURLWithPath: base + ".in"))
    let hexKey = keyBytes.map { String(format: "%02x", $0) }.joined()
    let result = try await ChildProcess.run(
        "openssl", ["dgst", "-sha256", "-mac", "HMAC", "-macopt", "hexkey:\(hexKey)", "-binary", "-out", base + ".out", base + ".in"])
    guard result.status == 0, let mac = FileManager.default.contents(atPath: base + ".out") else {
        throw TestFailure("openssl dgst failed: \(result.stderr)")
    }
    return mac.base64EncodedString()
}

/// A SAS token built by hand and signed by openssl: `sr` is `audience` percent-encoded (all but unreserved
/// characters), the string to sign is `sr + "\n" + se`.
func opensslToken(audience: String, key: String, keyName: String? = nil, lifetime: Int = 120) async throws -> String {
    let unreserved = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")
    let resource = audience.addingPercentEncoding(withAllowedCharacters: unreserved) ?? audience
    let expiry = Int(Date().timeIntervalSince1970) + lifetime
    let signature = try await opensslHMAC(key: key, message: "\(resource)\n\(expiry)")
    var token =
        "SharedAccessSignature sr=\(resource)&sig=\(signature.addingPercentEncoding(withAllowedCharacters: unreserved) ?? signature)&se=\(expiry)"
    if let keyName { token += "&skn=\(keyName)" }
    return token
}

/// Runs `body` with a started emulator and stops it afterwards (also when `body` fails).
func withEmulator(deviceCAFiles: [String] = [], _ body: (EmulatorHarness) async throws -> Void) async throws {
    let emulator = try await EmulatorHarness.start(deviceCAFiles: deviceCAFiles)
    do {
        try await body(emulator)
    } catch {
        await emulator.stop()
        throw error
    }
    await emulator.stop()
}
