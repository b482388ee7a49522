import AziotClients
import AziotConfig
import DockerClient
import EdgeTestSupport
import Foundation
import HubEmulatorTestSupport
import IoTHubProtocol
import MQTTTestSupport

/// The `edge-test-module` image (`scripts/build-images.sh`), built once per test run when it is missing.
enum TestModuleImage {
    static let name = "swift-iotedge/test-module:\(AziotVersion.current)"
    private static let builder = ImageBuilder()

    /// The engine, with the busybox test image and this image present.
    static func ensure() async throws -> DockerClient {
        let docker = try await DockerTestEngine.client()
        try await builder.ensure(docker)
        return docker
    }
}

private actor ImageBuilder {
    private var done = false

    func ensure(_ docker: DockerClient) async throws {
        if done { return }
        if (try? await docker.inspectImage(TestModuleImage.name)) == nil {
            // A release build of edge-test-module on a fresh checkout: minutes on two cores.
            let script = projectRoot().appendingPathComponent("scripts/build-images.sh").path
            let result = try await ChildProcess.run("/bin/bash", [script], timeout: .seconds(3600))
            guard result.status == 0 else {
                throw TestFailure("scripts/build-images.sh failed (\(result.status)): \(result.stdout.suffix(2000)) \(result.stderr.suffix(3000))")
            }
            _ = try await docker.inspectImage(TestModuleImage.name)
        }
        done = true
    }
}

/// The trust bundle certd holds for the tests' devices (`aziot-edged-trust-bundle`; `config apply` would make it the Edge
/// CA plus the user's bundle): the emulator's CA, imported before edged starts.
func trustBundle(of device: EdgeTestDevice) throws -> String {
    try String(contentsOfFile: device.emulator.caPath, encoding: .utf8)
}

/// A device whose edgeAgent is the test module running `agentArguments` (host networking); the scenario, when given
/// (made once the device, so the agent's name, exists), is mounted at /scenario.json.
func withAgentDevice(
    agentArguments: [String] = ["agent", "/scenario.json"], scenario: (EdgeTestDevice) -> JSONValue?, _ body: (EdgeTestDevice) async throws -> Void
) async throws {
    _ = try await TestModuleImage.ensure()
    let device = try await EdgeTestDevice.start()
    do {
        var binds: [String] = []
        if let scenario = scenario(device) {
            try device.write("\(device.root)/scenario.json", scenario.jsonString)
            binds.append("\(device.root)/scenario.json:/scenario.json:ro")
        }
        _ = try await CertClient(socketPath: device.socket("certd")).importCertificate(id: "aziot-edged-trust-bundle", pem: try trustBundle(of: device))
        try device.writeTestModuleAgentConfig(arguments: agentArguments, binds: binds)
        try await device.startEdged()
        try await body(device)
    } catch {
        await device.shutdown()
        throw error
    }
    await device.shutdown()
}

extension EdgeTestDevice {
    /// edged's configuration as ``writeEdgedConfig`` writes it, with the test module image as the agent.
    func writeTestModuleAgentConfig(arguments: [String], binds: [String]) throws {
        try write("\(root)/etc/edged/config.toml", """
            hostname = "edge-test-host"
            homedir = "\(homedir)"

            [agent]
            name = "\(agentName)"
            type = "docker"
            imagePullPolicy = "never"

            [agent.config]
            image = "\(TestModuleImage.name)"
            createOptions = { Cmd = \(tomlArray(arguments)), HostConfig = { NetworkMode = "host", Binds = \(tomlArray(binds)) } }

            [agent.env]
            RuntimeLogLevel = "debug"

            [connect]
            workload_uri = "unix:///var/run/iotedge/workload.sock"
            management_uri = "unix://\(managementSocket)"

            [listen]
            workload_uri = "unix://\(socket("workload"))"
            management_uri = "unix://\(managementSocket)"

            [endpoints]
            aziot_keyd_url = "unix://\(socket("keyd"))"
            aziot_certd_url = "unix://\(socket("certd"))"
            aziot_identityd_url = "unix://\(socket("identityd"))"

            [moby_runtime]
            uri = "unix:///var/run/docker.sock"
            network = "host"
            """)
    }

    /// The JSON lines a container printed on stdout (`docker logs`, the CLI as an independent client).
    func jsonLines(_ container: String) async throws -> [JSONValue] {
        let result = try await ChildProcess.run("docker", ["logs", container], timeout: .seconds(30))
        guard result.status == 0 else { throw TestFailure("docker logs \(container): \(result.stderr)") }
        return result.stdout.split(separator: "\n").compactMap { line in
            line.hasPrefix("{") ? try? JSONValue(parsing: String(line)) : nil
        }
    }

    /// Waits until `container` printed `count` lines `{"op":"done",…}`; all its lines.
    func waitForDone(_ container: String, count: Int = 1, timeout: Duration = .seconds(120)) async throws -> [JSONValue] {
        var lines: [JSONValue] = []
        let done = await eventually(timeout: timeout) {
            lines = (try? await self.jsonLines(container)) ?? []
            return lines.filter { $0["op"] == "done" }.count >= count
        }
        guard done else {
            throw TestFailure("\(container) did not finish (\(count) done lines): \(lines.map(\.jsonString).joined(separator: "\n").suffix(4000)); edged: \(edgedLog.suffix(3000))")
        }
        return lines
    }
}

/// A TOML array of basic strings.
func tomlArray(_ strings: [String]) -> String {
    "[" + strings.map(tomlString).joined(separator: ", ") + "]"
}

func tomlString(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case _ where scalar.value < 0x20 || scalar.value == 0x7F: out += String(format: "\\u%04X", scalar.value)
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out + "\""
}

/// The line of step `op` for `module` (the first, or the `index`-th of several).
func step(_ lines: [JSONValue], _ op: String, _ module: String? = nil, index: Int = 0) -> JSONValue? {
    let matching = lines.filter { $0["op"]?.stringValue == op && (module == nil || $0["module"]?.stringValue == module) }
    return index < matching.count ? matching[index] : nil
}

@discardableResult
func openssl(_ arguments: [String]) async throws -> String {
    let result = try await ChildProcess.run("openssl", arguments, timeout: .seconds(30))
    guard result.status == 0 else { throw TestFailure("openssl \(arguments.joined(separator: " ")): \(result.stdout)\(result.stderr)") }
    return result.stdout
}
