import HubEmulatorTestSupport
import AziotClients
import CertService
import DockerClient
import Foundation
import IoTHubProtocol
import Logging
import MQTTTestSupport
import NIOCore
import NIOHTTP1
import UnixSocketHTTP
import WorkloadAPI

/// A device for the workload API: keyd, certd and identityd as separate `aziotd` processes (configs and sockets in a
/// temporary folder), identityd provisioned against the in-process IoT Hub emulator, the Edge CA created the way
/// aziot-edged does at start-up, and workload sockets served by this process with the real caller check (Docker).
///
/// Keys whose bytes the tests need to recompute results independently are preloaded into keyd from files: the
/// device's SAS key, identityd's master identity key and the master encryption key.
final class WorkloadDevice: @unchecked Sendable {
    let root: String
    let deviceId: String
    let emulator: EmulatorHarness
    let masterIdentityKey: [UInt8]
    let masterEncryptionKey: [UInt8]
    let logger: Logger
    private(set) var processes: [String: ChildProcess] = [:]
    private(set) var servers: [UnixSocketHTTPServer] = []
    private(set) var service: WorkloadService?
    private(set) var edgeCAPEM = ""

    static let services = ["keyd", "certd", "identityd"]

    private init(root: String, deviceId: String, emulator: EmulatorHarness) {
        self.root = root
        self.deviceId = deviceId
        self.emulator = emulator
        self.masterIdentityKey = (0..<32).map { _ in UInt8.random(in: 0...255) }
        self.masterEncryptionKey = (0..<32).map { _ in UInt8.random(in: 0...255) }
        self.logger = makeTestLogger(label: "workload-device")
    }

    func socket(_ service: String) -> String { "\(root)/run/\(service).sock" }
    func configFile(_ service: String) -> String { "\(root)/etc/\(service)/config.toml" }
    var keys: KeyClient { KeyClient(socketPath: socket("keyd")) }
    var certs: CertClient { CertClient(socketPath: socket("certd")) }
    /// Where per-module sockets live (aziot-edged's `<homedir>/mnt`).
    var mountDirectory: String { "\(root)/mnt" }

    /// Runs `body` with a started device and always shuts it down (containers are the caller's).
    static func with<T>(_ body: (WorkloadDevice) async throws -> T) async throws -> T {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("wl-device-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let emulator: EmulatorHarness
        do {
            emulator = try await EmulatorHarness.start(dataDirectory: root + "/emulator")
        } catch {
            try? FileManager.default.removeItem(atPath: root)
            throw error
        }
        let device = WorkloadDevice(root: root, deviceId: "edge-\(UUID().uuidString.prefix(6).lowercased())", emulator: emulator)
        do {
            try await device.start()
            let result = try await body(device)
            await device.shutdown()
            return result
        } catch {
            await device.shutdown()
            throw error
        }
    }

    private func start() async throws {
        let fm = FileManager.default
        for service in Self.services { try fm.createDirectory(atPath: "\(root)/etc/\(service)/config.d", withIntermediateDirectories: true) }
        for folder in ["run", "secrets", "mnt"] { try fm.createDirectory(atPath: "\(root)/\(folder)", withIntermediateDirectories: true) }
        let deviceKey = (0..<32).map { _ in UInt8.random(in: 0...255) }
        for (name, bytes) in [("device-id", deviceKey), ("master-identity", masterIdentityKey), ("master-encryption", masterEncryptionKey)] {
            try Data(bytes).write(to: URL(fileURLWithPath: "\(root)/secrets/\(name)"))
        }
        try await emulator.addDevice(deviceId, key: deviceKey)

        try write(configFile("keyd"), """
            [aziot_keys]
            homedir_path = "\(root)/var/keyd"

            [preloaded_keys]
            device-id = "file://\(root)/secrets/device-id"
            aziot_identityd_master_id = "file://\(root)/secrets/master-identity"
            iotedge_master_encryption_id = "file://\(root)/secrets/master-encryption"

            [endpoints]
            aziot_keyd = "unix://\(socket("keyd"))"
            """)
        try write(configFile("certd"), """
            homedir_path = "\(root)/var/certd"

            [cert_issuance]
            aziot-edged-ca = { method = "self_signed", expiry_days = 90 }

            [endpoints]
            aziot_certd = "unix://\(socket("certd"))"
            aziot_keyd = "unix://\(socket("keyd"))"
            """)
        try write(configFile("identityd"), """
            hostname = "workload-test-device"
            homedir = "\(root)/var/identityd"

            [provisioning]
            source = "manual"
            iothub_hostname = "localhost"
            device_id = "\(deviceId)"

            [provisioning.authentication]
            method = "sas"
            device_id_pk = "device-id"

            [endpoints]
            aziot_certd = "unix://\(socket("certd"))"
            aziot_keyd = "unix://\(socket("keyd"))"
            aziot_identityd = "unix://\(socket("identityd"))"
            """)
        for service in Self.services { try await startDaemon(service) }
        try await waitForProvisioning()

        // What aziot-edged does at start-up (§3.6): ensure the Edge CA; `config apply` would make the trust bundle
        // hold it (here it is imported under the trust bundle's id).
        let edgeCA = try EdgeCA(deviceId: deviceId, keys: keys, certs: certs, logger: logger)
        edgeCAPEM = try await edgeCA.ensure().ca.chainPEM
        _ = try await certs.importCertificate(id: WorkloadConfiguration.defaultTrustBundleCertId, pem: edgeCAPEM)
        try write("\(root)/edge-ca.pem", edgeCAPEM)

        service = WorkloadService(
            configuration: WorkloadConfiguration(hubName: "localhost", deviceId: deviceId),
            keys: keys,
            certs: certs,
            moduleKeys: IdentitydModuleKeySource(socketPath: socket("identityd")),
            callers: ContainerOfProcess(docker: ModuleContainer.docker, logger: logger),
            logger: logger
        )
    }

    func write(_ path: String, _ text: String) throws {
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    private func startDaemon(_ service: String) async throws {
        let environment = [
            "AZIOT_\(service.uppercased())_CONFIG": configFile(service),
            "AZIOT_\(service.uppercased())_CONFIG_DIR": "\(root)/etc/\(service)/config.d",
            "AZIOT_IDENTITYD_TRUSTED_CA": emulator.caPath,
            "AZIOT_IDENTITYD_HUB_PORT": "\(emulator.httpsPort)",
        ]
        let child = try ChildProcess(Self.aziotd, [service], environment: environment)
        processes[service] = child
        let ready = await eventually(timeout: .seconds(30)) {
            !child.isRunning || FileManager.default.fileExists(atPath: socket(service)) && child.stderr.contains("Starting server")
        }
        guard ready, child.isRunning else { throw TestFailure("aziotd \(service) did not start: \(child.stderr.suffix(3000))") }
    }

    /// identityd answers the device identity once it has provisioned against the emulator.
    private func waitForProvisioning() async throws {
        let client = UnixSocketHTTPClient(socketPath: socket("identityd"))
        var last = ""
        let provisioned = await eventually(timeout: .seconds(30)) {
            let response = try? await client.request(
                .POST, "/identities/device?api-version=2020-09-01", body: .init(string: #"{"type":"aziot"}"#))
            last = response.map { "\($0.status.code) \($0.bodyText)" } ?? "no answer"
            return response?.status == .ok
        }
        guard provisioned else {
            throw TestFailure("identityd did not provision: \(last); \(processes["identityd"]?.stderr.suffix(3000) ?? "")")
        }
    }

    /// Creates a module identity through identityd (what aziot-edged's management API does for edgeAgent); its
    /// generation id.
    func createModuleIdentity(_ moduleId: String) async throws -> String {
        let client = UnixSocketHTTPClient(socketPath: socket("identityd"))
        let response = try await client.request(
            .POST, "/identities/modules?api-version=2020-09-01", body: .init(string: #"{"type":"aziot","moduleId":"\#(moduleId)"}"#))
        guard response.status == .ok, let json = try? JSONValue(parsing: response.bodyText), let genId = json["spec"]?["genId"]?.stringValue else {
            throw TestFailure("identityd did not create module \(moduleId): \(response.status.code) \(response.bodyText)")
        }
        return genId
    }

    /// Serves the shared workload socket (`<root>/run/workload.sock`, mode 0666).
    @discardableResult
    func serveSharedSocket() async throws -> String {
        try await serve(at: socket("workload"), moduleId: nil)
    }

    /// Serves module `moduleId`'s own socket (`<root>/mnt/<module>.sock`, mode 0666).
    @discardableResult
    func serveModuleSocket(_ moduleId: String) async throws -> String {
        try await serve(at: "\(mountDirectory)/\(WorkloadAPI.containerName(ofModule: moduleId)).sock", moduleId: moduleId)
    }

    private func requireService() throws -> WorkloadService {
        guard let service else { throw TestFailure("the device is not started") }
        return service
    }

    private func serve(at path: String, moduleId: String?) async throws -> String {
        let server = WorkloadAPI.server(socketPath: path, moduleId: moduleId, service: try requireService(), logger: logger)
        try await server.start()
        servers.append(server)
        return path
    }

    func shutdown() async {
        for server in servers { await server.stop() }
        servers = []
        for (_, child) in processes { child.terminate() }
        for (_, child) in processes { _ = try? await child.waitForExit(timeout: .seconds(15)) }
        processes = [:]
        await emulator.stop()
        try? FileManager.default.removeItem(atPath: root)
    }

    /// The `aziotd` executable next to the test bundle (built by `swift build --build-tests`).
    static let aziotd: String = {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("aziotd").path,
            projectRoot().appendingPathComponent(".build/debug/aziotd").path,
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[1]
    }()
}
