import AziotClients
public import DockerClient
import Foundation
public import HubEmulatorTestSupport
public import MQTTTestSupport
import Testing

/// A whole IoT Edge device for the tests, in a temporary directory: the IoT Hub emulator in process, `aziotd` keyd,
/// certd and identityd as processes (manual SAS provisioning against the emulator), and `aziot-edged` as a process
/// with its own instance name, agent name and sockets, on the real Docker engine. Its containers use host networking
/// and the local busybox test image; everything it made is removed by ``shutdown()``.
public final class EdgeTestDevice: @unchecked Sendable {
    public static let image = "swift-iotedge-test/busybox:1"
    /// A shell that exits on SIGTERM at once (busybox `sleep` as PID 1 ignores it, and every stop would take 10 s).
    public static let command = #"["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]"#

    public let root: String
    public let deviceId: String
    /// Unique per device: the agent container's name and edged's instance label.
    public let agentName: String
    public let instance: String
    public let emulator: EmulatorHarness
    public let docker: DockerClient
    public private(set) var processes: [String: ChildProcess] = [:]
    public private(set) var edged: ChildProcess?

    public static func executable(_ name: String) -> String {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(name).path,
            projectRoot().appendingPathComponent(".build/debug/\(name)").path,
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[1]
    }

    private init(root: String, emulator: EmulatorHarness, docker: DockerClient) {
        self.root = root
        let suffix = String(UUID().uuidString.prefix(8)).lowercased()
        deviceId = "edge-device-\(suffix)"
        agentName = "edgeAgent-test-\(suffix)"
        instance = "test-\(suffix)"
        self.emulator = emulator
        self.docker = docker
    }

    /// Emulator, keyd, certd and identityd running; edged not started yet.
    public static func start() async throws -> EdgeTestDevice {
        let docker = try await DockerTestEngine.client()
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("edged-\(UUID().uuidString.prefix(8))").path
        for directory in ["etc/keyd/config.d", "etc/certd/config.d", "etc/identityd/config.d", "etc/edged/config.d", "run", "var"] {
            try FileManager.default.createDirectory(atPath: "\(root)/\(directory)", withIntermediateDirectories: true)
        }
        let emulator = try await EmulatorHarness.start(dataDirectory: "\(root)/emulator")
        let device = EdgeTestDevice(root: root, emulator: emulator, docker: docker)
        do {
            try await device.startAziot()
        } catch {
            await device.shutdown()
            throw error
        }
        return device
    }

    public func socket(_ name: String) -> String { "\(root)/run/\(name).sock" }
    public var managementSocket: String { socket("mgmt") }
    public var homedir: String { "\(root)/var/edged" }

    public func write(_ path: String, _ text: String) throws {
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    private func environment(_ service: String) -> [String: String] {
        [
            "AZIOT_\(service.uppercased())_CONFIG": "\(root)/etc/\(service)/config.toml",
            "AZIOT_\(service.uppercased())_CONFIG_DIR": "\(root)/etc/\(service)/config.d",
            "AZIOT_IDENTITYD_TRUSTED_CA": emulator.caPath,
            "AZIOT_IDENTITYD_HUB_PORT": String(emulator.httpsPort),
            "AZIOT_EDGED_INSTANCE": instance,
            "AZIOT_LOG": "debug",
        ]
    }

    private func startAziot() async throws {
        let key = (0..<32).map { _ in UInt8.random(in: 0...255) }
        try await emulator.addDevice(deviceId, key: key, iotEdge: true)
        try write("\(root)/etc/keyd/config.toml", """
            [aziot_keys]
            homedir_path = "\(root)/var/keyd"

            [endpoints]
            aziot_keyd = "unix://\(socket("keyd"))"
            """)
        try write("\(root)/etc/certd/config.toml", """
            homedir_path = "\(root)/var/certd"

            [cert_issuance]
            aziot-edged-ca = { method = "self_signed", expiry_days = 90 }
            aziot-edged-ca-temp = { method = "self_signed", expiry_days = 90 }

            [endpoints]
            aziot_certd = "unix://\(socket("certd"))"
            aziot_keyd = "unix://\(socket("keyd"))"
            """)
        try write("\(root)/etc/identityd/config.toml", """
            hostname = "edge-test-host"
            homedir = "\(root)/var/identityd"

            [provisioning]
            source = "manual"
            iothub_hostname = "localhost"
            device_id = "\(deviceId)"

            [provisioning.authentication]
            method = "sas"
            device_id_pk = "device-id"

            [endpoints]
            aziot_keyd = "unix://\(socket("keyd"))"
            aziot_certd = "unix://\(socket("certd"))"
            aziot_identityd = "unix://\(socket("identityd"))"
            """)
        try await startAziotd("keyd")
        _ = try await KeyClient(socketPath: socket("keyd")).importKey(id: "device-id", bytes: Data(key), usage: [.sign])
        try await startAziotd("certd")
        try await startAziotd("identityd")
    }

    public func startAziotd(_ service: String) async throws {
        let child = try ChildProcess(Self.executable("aziotd"), [service], environment: environment(service))
        processes[service] = child
        let ready = await eventually(timeout: .seconds(30)) {
            !child.isRunning || FileManager.default.fileExists(atPath: self.socket(service)) && child.stderr.contains("Starting server")
                || FileManager.default.fileExists(atPath: self.socket(service)) && child.stderr.contains("listening")
        }
        guard ready, child.isRunning else { throw TestFailure("aziotd \(service) did not start: \(child.stderr.suffix(3000))") }
    }

    public func stopAziotd(_ service: String) async throws {
        guard let child = processes.removeValue(forKey: service) else { return }
        child.terminate()
        _ = try await child.waitForExit(timeout: .seconds(15))
    }

    /// edged's configuration: host networking, the test image running a shell loop as the agent, the root file system
    /// read-only at /host in the agent (so tests can run the host's curl inside it), sockets in the test directory.
    public func writeEdgedConfig(
        extra: String = "", agentExtra: String = "", connectManagement: String? = nil, network: String = "network = \"host\"",
        agentHostConfig: String = #"{ NetworkMode = "host", Binds = ["/:/host:ro"] }"#
    ) throws {
        try write("\(root)/etc/edged/config.toml", """
            hostname = "edge-test-host"
            homedir = "\(homedir)"
            \(extra)

            [agent]
            name = "\(agentName)"
            type = "docker"
            imagePullPolicy = "on-create"
            \(agentExtra)

            [agent.config]
            image = "\(Self.image)"
            createOptions = { Cmd = \(Self.command), HostConfig = \(agentHostConfig) }

            [agent.env]
            RuntimeLogLevel = "debug"

            [connect]
            workload_uri = "unix:///var/run/iotedge/workload.sock"
            management_uri = "\(connectManagement ?? "unix://\(managementSocket)")"

            [listen]
            workload_uri = "unix://\(socket("workload"))"
            management_uri = "unix://\(managementSocket)"

            [endpoints]
            aziot_keyd_url = "unix://\(socket("keyd"))"
            aziot_certd_url = "unix://\(socket("certd"))"
            aziot_identityd_url = "unix://\(socket("identityd"))"

            [moby_runtime]
            uri = "unix:///var/run/docker.sock"
            \(network)
            """)
    }

    public var edgedEnvironment: [String: String] { environment("edged") }

    /// Starts `aziot-edged` and waits until its management socket answers.
    @discardableResult
    public func startEdged() async throws -> ChildProcess {
        let child = try ChildProcess(Self.executable("aziot-edged"), [], environment: environment("edged"))
        edged = child
        let ready = await eventually(timeout: .seconds(60)) {
            !child.isRunning || child.stderr.contains("HTTP server listening on unix:\(self.managementSocket)")
        }
        guard ready, child.isRunning else { throw TestFailure("aziot-edged did not start: \(child.stderr.suffix(4000))") }
        return child
    }

    /// SIGTERM to edged; its exit status.
    @discardableResult
    public func stopEdged() async throws -> Int32 {
        guard let child = edged else { return 0 }
        edged = nil
        child.terminate()
        return try await child.waitForExit(timeout: .seconds(30))
    }

    public var edgedLog: String { edged?.stderr ?? "" }

    /// The agent container, once edged made it and it runs.
    public func waitForAgentRunning(timeout: Duration = .seconds(60)) async throws -> ContainerInspect {
        var last: ContainerInspect?
        let running = await eventually(timeout: timeout) {
            last = try? await self.docker.inspectContainer(self.agentName)
            return last?.state.running == true
        }
        guard running, let last else { throw TestFailure("\(agentName) is not running: \(String(describing: last?.state)); edged: \(edgedLog.suffix(3000)); identityd: \(processes["identityd"]?.stderr.suffix(2000) ?? "")") }
        return last
    }

    public func shutdown() async {
        if let edged {
            edged.terminate()
            _ = try? await edged.waitForExit(timeout: .seconds(30))
        }
        edged = nil
        // Twice: a create Docker was still finishing when edged exited shows up a moment later.
        for pass in 0..<2 {
            if pass > 0 { try? await Task.sleep(for: .seconds(1)) }
            if let containers = try? await docker.listContainers(all: true, filters: ["label": ["net.swift-iotedge.edged-instance=\(instance)"]]) {
                for container in containers { try? await docker.removeContainer(container.id, force: true) }
            }
            try? await docker.removeContainer(agentName, force: true)
        }
        for (_, child) in processes { child.terminate() }
        for (_, child) in processes { _ = try? await child.waitForExit(timeout: .seconds(15)) }
        processes = [:]
        await emulator.stop()
        try? FileManager.default.removeItem(atPath: root)
    }
}

/// The engine the tests run against, with the test image present.
public enum DockerTestEngine {
    public static func client() async throws -> DockerClient {
        let client = DockerClient(configuration: .fromEnvironment(ProcessInfo.processInfo.environment))
        do {
            _ = try await client.ping()
        } catch {
            throw TestFailure("no Docker engine answers on \(client.configuration.socketPath) (\(error)); run scripts/setup.sh")
        }
        if (try? await client.inspectImage(EdgeTestDevice.image)) == nil {
            let result = try await ChildProcess.run("/bin/bash", [projectRoot().appendingPathComponent("scripts/test-images.sh").path], timeout: .seconds(120))
            guard result.status == 0 else { throw TestFailure("scripts/test-images.sh failed: \(result.stdout) \(result.stderr)") }
        }
        return client
    }
}

/// One HTTP exchange through `curl --unix-socket` (an independent client).
public struct CurlResult {
    public var status: Int
    public var body: String
    public var headers: String
}

/// `curl --unix-socket socket -X method http://localhost<path>` from the host, optionally with a JSON body.
public func curl(_ socket: String, _ method: String, _ path: String, json: String? = nil, contentType: String? = "application/json") async throws -> CurlResult {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("curl-\(UUID().uuidString.prefix(8))").path
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    var arguments = ["-s", "-S", "--max-time", "60", "--unix-socket", socket, "-X", method, "-D", "\(directory)/headers", "-o", "\(directory)/body", "-w", "%{http_code}"]
    if let json {
        try json.write(toFile: "\(directory)/request", atomically: true, encoding: .utf8)
        arguments += ["--data-binary", "@\(directory)/request"]
        if let contentType { arguments += ["-H", "Content-Type: \(contentType)"] }
    }
    arguments.append("http://localhost\(path)")
    let result = try await ChildProcess.run("curl", arguments, timeout: .seconds(90))
    guard result.status == 0, let status = Int(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) else {
        throw TestFailure("curl \(method) \(path) failed (\(result.status)): \(result.stderr)")
    }
    let body = (try? String(contentsOfFile: "\(directory)/body", encoding: .utf8)) ?? ""
    let headers = (try? String(contentsOfFile: "\(directory)/headers", encoding: .utf8)) ?? ""
    return CurlResult(status: status, body: body, headers: headers)
}

/// The same request made by the host's curl from *inside* a container (whose pid then belongs to it): the container
/// must have the host's root file system at /host (read-only is enough). `socket` is a path in the container.
public func curlInContainer(_ container: String, _ socket: String, _ method: String, _ path: String, json: String? = nil) async throws -> CurlResult {
    let (loader, libraries) = try await HostCurl.shared.paths()
    var arguments = [
        "exec", container, "/host" + loader, "--library-path", libraries.map { "/host" + $0 }.joined(separator: ":"), "/host/usr/bin/curl",
        "-s", "-S", "--max-time", "60", "--unix-socket", socket, "-X", method, "-w", "\n%{http_code}",
    ]
    if let json { arguments += ["-H", "Content-Type: application/json", "--data-binary", json] }
    arguments.append("http://localhost\(path)")
    let result = try await ChildProcess.run("docker", arguments, timeout: .seconds(90))
    guard result.status == 0, let newline = result.stdout.lastIndex(of: "\n"), let status = Int(result.stdout[result.stdout.index(after: newline)...]) else {
        throw TestFailure("curl in \(container) \(method) \(path) failed (\(result.status)): \(result.stderr) \(result.stdout)")
    }
    return CurlResult(status: status, body: String(result.stdout[..<newline]), headers: "")
}

/// The host path of a host file as seen from a container that has the host's root at /host (`/var/run` is a link).
public func hostPathInContainer(_ path: String) -> String {
    let resolved = (path as NSString).resolvingSymlinksInPath
    return "/host" + resolved
}

/// Where the host's curl finds its dynamic loader and libraries (from `ldd`, links resolved), so that a container
/// with the host's root at /host can run it whatever the architecture.
public actor HostCurl {
    public static let shared = HostCurl()
    private var cached: (String, [String])?

    public func paths() async throws -> (loader: String, libraries: [String]) {
        if let cached { return cached }
        let result = try await ChildProcess.run("ldd", ["/usr/bin/curl"])
        guard result.status == 0 else { throw TestFailure("ldd /usr/bin/curl failed: \(result.stderr)") }
        var loader: String?
        var directories: [String] = []
        for line in result.stdout.split(separator: "\n") {
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard let path = words.first(where: { $0.hasPrefix("/") }) else { continue }
            let resolved = (path as NSString).resolvingSymlinksInPath
            if line.contains("ld-linux") && !line.contains("=>") {
                loader = resolved
            } else {
                let directory = (resolved as NSString).deletingLastPathComponent
                if !directories.contains(directory) { directories.append(directory) }
            }
        }
        guard let loader else { throw TestFailure("no dynamic loader in ldd's answer: \(result.stdout)") }
        cached = (loader, directories)
        return (loader, directories)
    }
}
