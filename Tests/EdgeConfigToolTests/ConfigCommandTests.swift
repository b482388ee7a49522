import ArgumentParser
import AziotConfig
import DockerClient
import EdgeConfigTool
import EdgeDaemon
import Foundation
import IoTHubProtocol
import Synchronization
import TOMLConfig
import Testing

/// A scratch directory standing in for `/etc/aziot` and `/var/secrets/aziot`, and a context pointing the
/// commands at it (systemd deliberately absent), collecting what they print.
final class CommandSandbox: Sendable {
    let root: String
    private let lines = Mutex<[String]>([])

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("iotedge-config-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }

    func configDirectory(_ service: String) -> String { "\(root)/etc/\(service)/config.d" }
    func configFile(_ service: String) -> String { "\(configDirectory(service))/00-super.toml" }
    var secrets: String { "\(root)/secrets" }

    var environment: [String: String] {
        var environment = [
            "AZIOT_SECRETS_DIR": secrets,
            "AZIOT_CS_UID": "5555",
            "AZIOT_ID_UID": "5556",
            "AZIOT_EDGED_UID": "5558",
            "IOTEDGE_SYSTEMD_MARKER": "\(root)/no-systemd",
            "IOTEDGE_OLD_MASTER_KEY": "\(root)/old/enc_keys/master.enc.key",
        ]
        for service in EdgeConfigApply.Service.allCases {
            environment["AZIOT_\(service.rawValue.uppercased())_CONFIG_DIR"] = configDirectory(service.rawValue)
        }
        return environment
    }

    var output: String { lines.withLock { $0.joined(separator: "\n") } }

    func record(_ line: String) { lines.withLock { $0.append(line) } }

    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        let path = "\(root)/\(name)"
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func read(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }

    func mode(_ path: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }

    /// Parses `arguments` as `iotedge config …` and runs the command; the error it throws, if any.
    func run(_ arguments: [String]) async -> (any Error)? {
        let context = IotedgeConfigCommand.Context(
            environment: environment,
            output: { [self] line in record(line) },
            errorOutput: { [self] line in record(line) })
        do {
            let command = try IotedgeConfigCommand.parseAsRoot(arguments)
            guard var asyncCommand = command as? any AsyncParsableCommand else { throw TestError("not an async command: \(arguments)") }
            try await IotedgeConfigCommand.$context.withValue(context) { try await asyncCommand.run() }
            return nil
        } catch {
            return error
        }
    }
}

struct TestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The message of a command failure.
func message(_ error: (any Error)?) -> String? {
    guard let error else { return nil }
    if let tool = error as? ToolError { return tool.message }
    return "\(error)"
}

@Suite("iotedge config apply")
struct ApplyCommandTests {
    static let config = """
        hostname = "edge-07"
        imported_master_encryption_key = "MASTER"

        [provisioning]
        source = "manual"
        connection_string = "HostName=contoso-hub.azure-devices.net;DeviceId=edge-07;SharedAccessKey=AAECAwQF"

        [agent]
        name = "edgeAgent"
        type = "docker"

        [agent.config]
        image = "mcr.microsoft.com/azureiotedge-agent:1.6"

        [listen]
        workload_uri = "unix:///run/iotedge/workload.sock"
        management_uri = "unix:///run/iotedge/mgmt.sock"
        """

    @Test("apply writes the five files (0600, header), the device key and the imported master key, and edged loads its file")
    func writesFiles() async throws {
        let sandbox = try CommandSandbox()
        let masterKey = try sandbox.write("old/master.key", "master-key-bytes")
        let config = try sandbox.write("config.toml", Self.config.replacingOccurrences(of: "MASTER", with: masterKey))
        let error = await sandbox.run(["apply", "-c", config])
        #expect(error == nil, "\(message(error) ?? "")")

        for service in EdgeConfigApply.Service.allCases {
            let path = sandbox.configFile(service.rawValue)
            #expect(try sandbox.mode(path) == 0o600, "\(path)")
            #expect(try sandbox.read(path).hasPrefix(EdgeConfigApply.header), "\(path)")
        }
        #expect(try sandbox.mode("\(sandbox.secrets)/keyd") == 0o700)
        #expect(try sandbox.mode("\(sandbox.secrets)/keyd/device-id") == 0o600)
        #expect(FileManager.default.contents(atPath: "\(sandbox.secrets)/keyd/device-id") == Data([0, 1, 2, 3, 4, 5]))
        #expect(try sandbox.read("\(sandbox.secrets)/keyd/imported-master-encryption-key") == "master-key-bytes")
        #expect(try sandbox.mode("\(sandbox.secrets)/keyd/imported-master-encryption-key") == 0o600)

        let keyd = try sandbox.read(sandbox.configFile("keyd"))
        #expect(keyd.contains("iotedge_master_encryption_id = \"file://\(sandbox.secrets)/keyd/imported-master-encryption-key\""))
        #expect(keyd.contains("device-id = \"file://\(sandbox.secrets)/keyd/device-id\""))
        #expect(keyd.contains("uid = 5558\nkeys = [\"aziot-edged-ca\", \"iotedge_master_encryption_id\", \"aziot-edged-ca-temp\"]"))
        let identityd = try sandbox.read(sandbox.configFile("identityd"))
        #expect(identityd.hasSuffix("[[principal]]\nuid = 5558\nname = \"aziot-edge\"\n"))

        // edged reads its directory exactly as the daemon does.
        let edged = try EdgedConfiguration.load(environment: [
            "AZIOT_EDGED_CONFIG": "\(sandbox.root)/absent-edged-config.toml",
            "AZIOT_EDGED_CONFIG_DIR": sandbox.configDirectory("edged"),
        ])
        #expect(edged.hostname == "edge-07")
        #expect(edged.listen.managementURI == "unix:///run/iotedge/mgmt.sock")
        #expect(edged.edgeCA.autoRenew == .default)

        #expect(sandbox.output.contains("Note: Symmetric key will be written to \(sandbox.secrets)/keyd/device-id"))
        #expect(sandbox.output.contains("Azure IoT Edge has been configured successfully!"))
        #expect(sandbox.output.contains("systemd is not running on this machine (\(sandbox.root)/no-systemd does not exist)"))
        #expect(sandbox.output.contains("aziot-identityd (the aziotd binary under each of these names), then aziot-edged"))
    }

    @Test("apply replaces files written before, keeping mode 0600")
    func reapply() async throws {
        let sandbox = try CommandSandbox()
        let masterKey = try sandbox.write("old/master.key", "k")
        let config = try sandbox.write("config.toml", Self.config.replacingOccurrences(of: "MASTER", with: masterKey))
        #expect(await sandbox.run(["apply", "-c", config]) == nil)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: sandbox.configFile("edged"))
        try sandbox.write("config.toml", Self.config.replacingOccurrences(of: "MASTER", with: masterKey) + "\n[watchdog]\nmax_retries = 3\n")
        let error = await sandbox.run(["apply", "-c", config])
        #expect(error == nil, "\(message(error) ?? "")")
        #expect(try sandbox.mode(sandbox.configFile("edged")) == 0o600)
        #expect(try sandbox.read(sandbox.configFile("edged")).contains("[watchdog]\nmax_retries = 3\n"))
    }

    @Test("apply refuses invalid edge settings with the key path, and unknown keys, writing nothing")
    func errors() async throws {
        let sandbox = try CommandSandbox()
        let head = "hostname = \"edge-07\"\n[provisioning]\nsource = \"none\"\n"
        let cases: [(String, String)] = [
            ("[edge_ca]\nmethod = \"acme\"\n", "edge_ca.method: expected \"est\", \"local_ca\" or \"self_signed\", found \"acme\""),
            ("[edge_ca]\nauto_generated_edge_ca_expiry_days = 0\n", "edge_ca.auto_generated_edge_ca_expiry_days: must be greater than 0"),
            ("[edge_ca]\ncert = \"file:///ca.pem\"\n", "edge_ca.pk: missing required key"),
            ("[edge_ca]\nauto_generated_edge_ca_expiry_days = 9\n[edge_ca.auto_renew]\nrotate_key = false\n", "edge_ca.auto_renew.rotate_key: must be true"),
            ("[edge_ca]\n", "edge_ca: expected one of"),
            ("[agent]\nname = \"\"\ntype = \"docker\"\n[agent.config]\nimage = \"x\"\n", "agent.name: must not be empty"),
            ("[agent]\nname = \"edgeAgent\"\ntype = \"docker\"\n", "agent.config: missing required key"),
            ("[agent]\nname = \"a\"\ntype = \"docker\"\n[agent.config]\nimage = \"x\"\nimagee = \"y\"\n", "unknown configuration key: agent.config.imagee"),
            ("[moby_runtime]\nuri = \"tcp://127.0.0.1:2375\"\n", "moby_runtime.uri: expected a unix:// URI"),
            ("[moby_runtime]\nnetwork = 7\n", "moby_runtime.network: expected a network name or a table"),
            ("[watchdog]\nmax_retries = \"forever\"\n", "watchdog.max_retries: expected \"infinite\" or a number"),
            ("[image_garbage_collection]\ncleanup_recurrence = \"12h\"\n", "image_garbage_collection.cleanup_recurrence: must be a whole number of days"),
            ("[image_garbage_collection]\ncleanup_time = \"3:30\"\n", "image_garbage_collection.cleanup_time: expected a 24-hour time"),
            ("[iotedge_max_requests]\nworkload = 0\n", "iotedge_max_requests.workload: must be greater than 0"),
            ("auto_reprovisioning_mode = \"Never\"\n", "auto_reprovisioning_mode: expected \"Dynamic\", \"AlwaysOnStartup\" or \"OnErrorOnly\", found \"Never\""),
            ("additional_info = \"https://example.com/info.toml\"\n", "additional_info: unsupported additional_info scheme \"https\""),
            ("trust_bundle_cert = \"not a url\"\n", "trust_bundle_cert:"),
            ("imported_master_encryption_key = \"/nonexistent/master.key\"\n", "could not import master encryption key file /nonexistent/master.key"),
            ("additional_info = \"file:///nonexistent/info.toml\"\n", "failed to read additional_info from /nonexistent/info.toml"),
        ]
        for (index, (extra, expected)) in cases.enumerated() {
            // Top-level keys must come before the first table.
            let text = extra.hasPrefix("[") ? head + extra : extra + head
            let config = try sandbox.write("config-\(index).toml", text)
            let error = await sandbox.run(["apply", "-c", config])
            #expect(message(error)?.contains(expected) == true, "case \(index): \(message(error) ?? "no error")")
        }
        #expect(!FileManager.default.fileExists(atPath: sandbox.configFile("keyd")))
        #expect(!FileManager.default.fileExists(atPath: sandbox.configFile("edged")))
    }

    @Test("apply reads additional_info from its file into edged's config")
    func additionalInfo() async throws {
        let sandbox = try CommandSandbox()
        let info = try sandbox.write("info.toml", "site = \"plant 4\"\nline = \"7\"\n")
        let config = try sandbox.write("config.toml", "hostname = \"edge-07\"\nadditional_info = \"file://\(info)\"\n[provisioning]\nsource = \"none\"\n")
        let error = await sandbox.run(["apply", "-c", config])
        #expect(error == nil, "\(message(error) ?? "")")
        #expect(try sandbox.read(sandbox.configFile("edged")).contains("additional_info = { line = \"7\", site = \"plant 4\" }\n"))

        try sandbox.write("info.toml", "site = 4\n")
        let bad = await sandbox.run(["apply", "-c", config])
        #expect(message(bad)?.contains("invalid toml at \(info): site: expected a string") == true, "\(message(bad) ?? "no error")")
    }
}

@Suite("iotedge config apply: the host name guard against the real Docker engine")
struct HostnameGuardTests {
    static let socket = "/var/run/docker.sock"
    static let engineAvailable = FileManager.default.fileExists(atPath: socket)

    static func config(hostname: String, moby: String = "unix:///var/run/docker.sock") -> String {
        """
        hostname = "\(hostname)"

        [provisioning]
        source = "none"

        [moby_runtime]
        uri = "\(moby)"
        network = "azure-iot-edge"
        """
    }

    /// A stopped container carrying edged's owner label, removed when `body` returns.
    static func withLabelledContainer(_ body: () async throws -> Void) async throws {
        let docker = DockerClient(configuration: DockerClientConfiguration(socketPath: socket))
        var labels = JSONObject()
        labels["net.azure-devices.edge.owner"] = .string("Microsoft.Azure.Devices.Edge.Agent")
        var spec = JSONObject()
        spec["Image"] = .string("swift-iotedge-test/busybox:1")
        spec["Cmd"] = .array([.string("true")])
        spec["Labels"] = .object(labels)
        let created = try await docker.createContainer(name: "edge-config-guard-\(UUID().uuidString.prefix(8).lowercased())", body: spec)
        do {
            try await body()
        } catch {
            try? await docker.removeContainer(created.id, force: true)
            throw error
        }
        try await docker.removeContainer(created.id, force: true)
    }

    @Test("a new host name is refused while a labelled container exists; the same host name is not", .enabled(if: engineAvailable))
    func refusesChange() async throws {
        let sandbox = try CommandSandbox()
        let first = try sandbox.write("first.toml", Self.config(hostname: "old-name"))
        #expect(await sandbox.run(["apply", "-c", first]) == nil)
        #expect(try sandbox.read(sandbox.configFile("identityd")).contains("hostname = \"old-name\""))

        try await Self.withLabelledContainer {
            let renamed = try sandbox.write("renamed.toml", Self.config(hostname: "new-name"))
            let error = await sandbox.run(["apply", "-c", renamed])
            let text = message(error) ?? "no error"
            #expect(text.contains("Cannot apply config because the hostname in the config new-name is different from the previous hostname old-name."), "\(text)")
            #expect(text.contains("docker ps -aq -f \"label=net.azure-devices.edge.owner=Microsoft.Azure.Devices.Edge.Agent\""), "\(text)")
            // Nothing was rewritten.
            #expect(try sandbox.read(sandbox.configFile("identityd")).contains("hostname = \"old-name\""))

            let same = await sandbox.run(["apply", "-c", first])
            #expect(same == nil, "\(message(same) ?? "")")
        }
    }

    @Test("a host name change when the engine cannot be asked is an error naming the engine URI")
    func engineUnreachable() async throws {
        let sandbox = try CommandSandbox()
        let first = try sandbox.write("first.toml", Self.config(hostname: "old-name"))
        #expect(await sandbox.run(["apply", "-c", first]) == nil)
        let moby = "unix://\(sandbox.root)/no-docker.sock"
        let renamed = try sandbox.write("renamed.toml", Self.config(hostname: "new-name", moby: moby))
        let error = await sandbox.run(["apply", "-c", renamed])
        #expect(message(error)?.contains("the IoT Edge modules could not be listed at \(moby)") == true, "\(message(error) ?? "no error")")
    }

    @Test("an unreadable previous identityd file is a warning, not an error")
    func unreadablePrevious() async throws {
        let sandbox = try CommandSandbox()
        try sandbox.write("etc/identityd/config.d/00-super.toml", "this is = = not toml")
        let config = try sandbox.write("config.toml", Self.config(hostname: "edge-07", moby: "unix://\(sandbox.root)/no-docker.sock"))
        let error = await sandbox.run(["apply", "-c", config])
        #expect(error == nil, "\(message(error) ?? "")")
        #expect(sandbox.output.contains("Warning: the previous identity config file \(sandbox.configFile("identityd")) is unreadable"))
    }
}

@Suite("iotedge config mp")
struct MPCommandTests {
    static let connectionString = "HostName=contoso-hub.azure-devices.net;DeviceId=edge-07;SharedAccessKey=AAECAwQF"

    @Test("mp writes a 0600 super-config that apply accepts, and refuses to overwrite without --force")
    func writesAndRefuses() async throws {
        let sandbox = try CommandSandbox()
        let out = "\(sandbox.root)/config.toml"
        let error = await sandbox.run(["mp", "-c", Self.connectionString, "-o", out])
        #expect(error == nil, "\(message(error) ?? "")")
        #expect(try sandbox.mode(out) == 0o600)
        let text = try sandbox.read(out)
        #expect(text.hasPrefix("auto_reprovisioning_mode = \"OnErrorOnly\"\nprefer_module_identity_cache = false\n\n[provisioning]\nsource = \"manual\"\n"))
        #expect(text.contains("connection_string = \"\(Self.connectionString)\"\n"))
        #expect(text.contains("[agent.config]\nimage = \"mcr.microsoft.com/azureiotedge-agent:1.6\"\n"))
        #expect(text.contains("[moby_runtime]\nuri = \"unix:///var/run/docker.sock\"\nnetwork = \"azure-iot-edge\"\n"))
        let parsed = try SuperConfig(toml: text)
        #expect(parsed.edge.autoReprovisioningMode == .onErrorOnly)
        #expect(parsed.edge.edgeCA == nil)
        #expect(sandbox.output.contains("    sudo iotedge config apply -c '\(out)'"))
        #expect(sandbox.output.contains("WARNING: This configuration is not suitable when using IoT Edge as a gateway."))
        #expect(await sandbox.run(["apply", "-c", out]) == nil)

        try sandbox.write("config.toml", "# mine\n")
        let refused = await sandbox.run(["mp", "-c", Self.connectionString, "-o", out])
        #expect(message(refused)?.contains("File \(out) already exists. Azure IoT Edge has already been configured.") == true)
        #expect(message(refused)?.contains("sudo iotedge config mp --force") == true)
        #expect(try sandbox.read(out) == "# mine\n")

        #expect(await sandbox.run(["mp", "-c", Self.connectionString, "-o", out, "--force"]) == nil)
        #expect(try sandbox.read(out).contains("connection_string"))
    }

    @Test("mp rejects an invalid connection string")
    func invalidConnectionString() async throws {
        let sandbox = try CommandSandbox()
        let error = await sandbox.run(["mp", "-c", "HostName=h;DeviceId=d", "-o", "\(sandbox.root)/config.toml"])
        #expect(message(error)?.hasPrefix("invalid connection string:") == true, "\(message(error) ?? "no error")")
        #expect(!FileManager.default.fileExists(atPath: "\(sandbox.root)/config.toml"))
    }
}
