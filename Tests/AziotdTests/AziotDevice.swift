import AziotClients
import Foundation
import MQTTTestSupport

/// A device's aziot daemons as separate `aziotd` processes, each with its own config file and socket in a
/// temporary directory (the `AZIOT_<SVC>_CONFIG(_DIR)` overrides and `[endpoints]`), as CI runs them.
final class AziotDevice: @unchecked Sendable {
    let root: String
    private(set) var processes: [String: ChildProcess] = [:]

    /// The `aziotd` executable next to the test bundle (built by `swift build --build-tests`).
    static let aziotd: String = {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("aziotd").path,
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent(".build/debug/aziotd").path,
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[1]
    }()

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("aziot-\(UUID().uuidString.prefix(8))").path
        for service in ["keyd", "certd", "identityd"] {
            try FileManager.default.createDirectory(atPath: "\(root)/etc/\(service)/config.d", withIntermediateDirectories: true)
        }
        try FileManager.default.createDirectory(atPath: "\(root)/run", withIntermediateDirectories: true)
    }

    func socket(_ service: String) -> String { "\(root)/run/\(service).sock" }
    func home(_ service: String) -> String { "\(root)/var/\(service)" }
    func configFile(_ service: String) -> String { "\(root)/etc/\(service)/config.toml" }
    func dropIn(_ service: String, _ name: String) -> String { "\(root)/etc/\(service)/config.d/\(name)" }

    func environment(_ service: String) -> [String: String] {
        [
            "AZIOT_\(service.uppercased())_CONFIG": configFile(service),
            "AZIOT_\(service.uppercased())_CONFIG_DIR": "\(root)/etc/\(service)/config.d",
            "AZIOT_CONFIG_DEBOUNCE_MS": "300",
        ]
    }

    func write(_ path: String, _ text: String) throws {
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// keyd's config: the home directory and socket, plus `extra`.
    func writeKeydConfig(_ extra: String = "") throws {
        try write(configFile("keyd"), """
            [aziot_keys]
            homedir_path = "\(home("keyd"))"

            [endpoints]
            aziot_keyd = "unix://\(socket("keyd"))"

            """ + extra)
    }

    func writeCertdConfig(_ extra: String = "") throws {
        try write(configFile("certd"), """
            homedir_path = "\(home("certd"))"

            [endpoints]
            aziot_certd = "unix://\(socket("certd"))"
            aziot_keyd = "unix://\(socket("keyd"))"

            """ + extra)
    }

    /// Starts `aziotd <service>` and waits until its socket answers.
    @discardableResult
    func start(_ service: String, arguments: [String]? = nil, executable: String? = nil) async throws -> ChildProcess {
        let child = try ChildProcess(executable ?? Self.aziotd, arguments ?? [service], environment: environment(service))
        processes[service] = child
        let ready = await eventually(timeout: .seconds(20)) {
            !child.isRunning || FileManager.default.fileExists(atPath: self.socket(service)) && child.stderr.contains("listening")
        }
        guard ready, child.isRunning else {
            throw TestFailure("aziotd \(service) did not start: \(child.stderr.suffix(2000))")
        }
        return child
    }

    func stop(_ service: String) async throws {
        guard let child = processes.removeValue(forKey: service) else { return }
        child.terminate()
        _ = try await child.waitForExit(timeout: .seconds(15))
    }

    var keyClient: KeyClient { KeyClient(socketPath: socket("keyd")) }
    var certClient: CertClient { CertClient(socketPath: socket("certd")) }

    func shutdown() async {
        for (_, child) in processes { child.terminate() }
        for (_, child) in processes { _ = try? await child.waitForExit(timeout: .seconds(15)) }
        processes = [:]
        try? FileManager.default.removeItem(atPath: root)
    }
}

@discardableResult
func openssl(_ arguments: [String]) async throws -> String {
    let result = try await ChildProcess.run("openssl", arguments)
    guard result.status == 0 else { throw TestFailure("openssl \(arguments.joined(separator: " ")) failed: \(result.stderr)\(result.stdout)") }
    return result.stdout
}
