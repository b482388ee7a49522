import DockerClient
import EdgeTestSupport
import Foundation
import HubEmulatorTestSupport
import HubEmulator
import IoTHubProtocol
import MQTTTestSupport
import Testing

/// Runs `body` with a started device (emulator, keyd, certd, identityd) and removes everything afterwards.
func withEdgeDevice(_ body: (EdgeTestDevice) async throws -> Void) async throws {
    let device = try await EdgeTestDevice.start()
    do {
        try await body(device)
    } catch {
        await device.shutdown()
        throw error
    }
    await device.shutdown()
}

@Suite("aziot-edged start-up with real aziotd daemons, the IoT Hub emulator and Docker (§7.1, §4.5)", .serialized)
struct DaemonStartupTests {
    @Test("start-up: device identity, Edge CA, edgeAgent created from [agent] with its env, sockets and labels, running")
    func startup() async throws {
        try await withEdgeDevice { device in
            try device.writeEdgedConfig()
            try await device.startEdged()
            let agent = try await device.waitForAgentRunning()
            let log = device.edgedLog
            #expect(log.contains("Starting Azure IoT Edge Daemon"))
            #expect(log.contains("Obtained edge device provisioning data: hub localhost, device \(device.deviceId)"))
            // §7.4 line format: <prio>timestamp [LEVEL] - message.
            let line = try #require(log.split(separator: "\n").first { $0.contains("Starting Azure IoT Edge Daemon") })
            #expect(line.hasPrefix("<6>") && line.contains("Z [INFO] - Starting Azure IoT Edge Daemon"), "\(line)")

            // The Edge CA exists in certd.
            let ca = try await curl(device.socket("certd"), "GET", "/certificates/aziot-edged-ca?api-version=2020-09-01")
            #expect(ca.status == 200)

            // edgeAgent's identity exists in the hub (edged updated $edgeAgent to learn its generation id).
            let module = try await device.emulator.registry.module(deviceId: device.deviceId, moduleId: "$edgeAgent")
            let generationId = try #require(module.generationId)

            let env = Dictionary(agent.config.env.compactMap { entry -> (String, String)? in
                guard let equals = entry.firstIndex(of: "=") else { return nil }
                return (String(entry[..<equals]), String(entry[entry.index(after: equals)...]))
            }) { $1 }
            #expect(env["IOTEDGE_MODULEID"] == "$edgeAgent")
            #expect(env["IOTEDGE_DEVICEID"] == device.deviceId)
            #expect(env["IOTEDGE_IOTHUBHOSTNAME"] == "localhost")
            #expect(env["IOTEDGE_MODULEGENERATIONID"] == generationId)
            #expect(env["IOTEDGE_AUTHSCHEME"] == "sasToken")
            #expect(env["IOTEDGE_APIVERSION"] == "2022-08-03")
            #expect(env["IOTEDGE_WORKLOADURI"] == "unix:///var/run/iotedge/workload.sock")
            #expect(env["IOTEDGE_MANAGEMENTURI"] == "unix://\(device.managementSocket)")
            #expect(env["IOTEDGE_WORKLOADLISTEN_MNTURI"] == "unix://\(hostPath(device.homedir))/mnt")
            #expect(env["EdgeDeviceHostName"] == "edge-test-host")
            #expect(env["Mode"] == "iotedged")
            #expect(env["NetworkId"] == "host")
            #expect(env["RuntimeLogLevel"] == "debug")
            #expect(env["IOTEDGE_GATEWAYHOSTNAME"] == nil)
            #expect(agent.config.labels["net.azure-devices.edge.owner"] == "Microsoft.Azure.Devices.Edge.Agent")
            #expect(agent.config.labels["net.azure-devices.edge.original-image"] == EdgeTestDevice.image)
            #expect(agent.config.labels["net.azure-devices.edge.create-options"] == "{}")
            #expect(agent.config.labels["net.azure-devices.edge.env"] == "{}")

            // Mounts: the agent's socket directory at /var/run/iotedge, the management socket, the configured bind.
            let binds = agent.raw["HostConfig"]?["Binds"]?.arrayValue?.compactMap(\.stringValue) ?? []
            #expect(binds.contains("\(hostPath(device.homedir))/mnt/\(device.agentName):/var/run/iotedge"), "\(binds)")
            #expect(binds.contains("\(device.managementSocket):\(device.managementSocket)"), "\(binds)")
            #expect(binds.contains("/:/host:ro"), "\(binds)")
            // Inside the container the workload socket is a socket.
            let check = try await ChildProcess.run("docker", ["exec", device.agentName, "test", "-S", "/var/run/iotedge/workload.sock"])
            #expect(check.status == 0, "\(check.stderr)")

            // SIGTERM: edged stops with 0 and leaves the agent running.
            #expect(try await device.stopEdged() == 0)
            #expect(try await device.docker.inspectContainer(device.agentName).state.running)
        }
    }
}

/// `path` with symbolic links resolved (edged names its canonical homedir).
func hostPath(_ path: String) -> String { (path as NSString).resolvingSymlinksInPath }
