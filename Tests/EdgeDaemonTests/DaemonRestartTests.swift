import DockerClient
import EdgeDaemon
import EdgeTestSupport
import Foundation
import MQTTTestSupport
import Testing

@Suite("edged restarts, reprovisioning, settings errors (§7)", .serialized)
struct DaemonRestartTests {
    static let v = "api-version=2020-07-07"

    @Test("a restart of edged restarts no module, and their workload sockets (re-created) answer inside the containers")
    func restartKeepsModules() async throws {
        try await withEdgeDevice { device in
            try device.writeEdgedConfig()
            try await device.startEdged()
            let agent = try await device.waitForAgentRunning()
            let name = device.moduleName("keep")
            #expect(try await device.asAgent("POST", "/modules?\(Self.v)", json: EdgeTestDevice.moduleSpec(name)).status == 201)
            #expect(try await device.asHost("POST", "/modules/\(name)/start?\(Self.v)").status == 204)
            let module = try await device.docker.inspectContainer(name)
            let before = try await curlInContainer(name, "/var/run/iotedge/workload.sock", "GET", "/anything?\(Self.v)")
            #expect(before.status == 404 && before.body == #"{"message":"not found"}"#, "the (empty) workload API answers")

            #expect(try await device.stopEdged() == 0)
            #expect(try await device.docker.inspectContainer(name).state.running, "SIGTERM leaves modules running")
            try await device.startEdged()
            #expect(await eventually(timeout: .seconds(20)) { device.edgedLog.contains("Listening on the workload socket of module \(name)") })

            let agentAfter = try await device.docker.inspectContainer(device.agentName)
            let moduleAfter = try await device.docker.inspectContainer(name)
            #expect(agentAfter.id == agent.id && agentAfter.state.startedAt == agent.state.startedAt && agentAfter.state.running)
            #expect(moduleAfter.id == module.id && moduleAfter.state.startedAt == module.state.startedAt && moduleAfter.state.running)
            // The container reaches the new socket through its socket directory, without a restart.
            let after = try await curlInContainer(name, "/var/run/iotedge/workload.sock", "GET", "/anything?\(Self.v)")
            #expect(after.status == 404, "\(after.body)")
            #expect(try await device.client.module(name).status == .running)
        }
    }

    @Test("another device identity (provisioning digest) removes the old device's modules at start")
    func identityChange() async throws {
        try await withEdgeDevice { device in
            try device.writeEdgedConfig()
            try await device.startEdged()
            let agent = try await device.waitForAgentRunning()
            let name = device.moduleName("old")
            #expect(try await device.asAgent("POST", "/modules?\(Self.v)", json: EdgeTestDevice.moduleSpec(name)).status == 201)
            #expect(try await device.stopEdged() == 0)
            try "another-device-digest".write(toFile: "\(device.homedir)/cache/provisioning_state", atomically: true, encoding: .utf8)
            try await device.startEdged()
            let recreated = try await device.waitForAgentRunning()
            #expect(recreated.id != agent.id)
            #expect(await eventually { (try? await device.docker.inspectContainer(name)) == nil })
        }
    }

    @Test("POST /device/reprovision: 204 to edgeAgent only, then every module stops and edged exits with 154")
    func reprovision() async throws {
        try await withEdgeDevice { device in
            try device.writeEdgedConfig()
            let edged = try await device.startEdged()
            _ = try await device.waitForAgentRunning()
            #expect(try await device.asHost("POST", "/device/reprovision?\(Self.v)").status == 403)
            #expect(try await device.asAgent("POST", "/device/reprovision?api-version=2019-01-30").status == 404)
            #expect(try await device.asAgent("POST", "/device/reprovision?\(Self.v)").status == 204)
            #expect(try await edged.waitForExit(timeout: .seconds(60)) == 154)
            #expect(edged.stderr.contains("Successfully reprovisioned"), "\(edged.stderr.suffix(2000))")
            #expect(try await !device.docker.inspectContainer(device.agentName).state.running)
            #expect(!FileManager.default.fileExists(atPath: "\(device.homedir)/cache/provisioning_state"))
        }
    }

    @Test("invalid settings (an unknown key) end edged with 153 and name the key")
    func invalidSettings() async throws {
        try await withEdgeDevice { device in
            try device.writeEdgedConfig(extra: "hostnam = \"typo\"")
            let edged = try ChildProcess(
                EdgeTestDevice.executable("aziot-edged"), [],
                environment: ["AZIOT_EDGED_CONFIG": "\(device.root)/etc/edged/config.toml", "AZIOT_EDGED_CONFIG_DIR": "\(device.root)/etc/edged/config.d"]
            )
            #expect(try await edged.waitForExit(timeout: .seconds(30)) == 153)
            #expect(edged.stderr.contains("[ERR!] - !!! invalid configuration"), "\(edged.stderr)")
            #expect(edged.stderr.contains("unknown configuration key: hostnam"), "\(edged.stderr)")
            let version = try await ChildProcess.run(EdgeTestDevice.executable("aziot-edged"), ["--version"])
            #expect(version.stdout == "aziot-edged \(EdgeDaemon.version)\n")
        }
    }
}
