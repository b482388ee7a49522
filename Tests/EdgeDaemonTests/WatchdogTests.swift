import DockerClient
import EdgeDaemon
import EdgeTestSupport
import Foundation
import HubEmulatorTestSupport
import MQTTTestSupport
import Testing

@Suite("The watchdog keeps edgeAgent running, driven by Docker events (§4.6)", .serialized)
struct WatchdogTests {
    static let v = "api-version=2020-07-07"

    /// Waits for the agent to run again as a container other than `previous` (when given) started after `after`.
    static func waitForAgentBack(_ device: EdgeTestDevice, after: String, timeout: Duration = .seconds(20)) async -> ContainerInspect? {
        var found: ContainerInspect?
        _ = await eventually(timeout: timeout) {
            guard let agent = try? await device.docker.inspectContainer(device.agentName), agent.state.running, agent.state.startedAt > after else { return false }
            found = agent
            return true
        }
        return found
    }

    @Test("a killed edgeAgent is started again and a removed one is created again, within seconds (the fallback poll is 60 s)")
    func killAndRemove() async throws {
        try await withEdgeDevice { device in
            try device.writeEdgedConfig()
            try await device.startEdged()
            let first = try await device.waitForAgentRunning()

            try await device.docker.killContainer(device.agentName)
            let restarted = await Self.waitForAgentBack(device, after: first.state.startedAt)
            #expect(restarted?.id == first.id, "started again, not recreated: \(device.edgedLog.suffix(2000))")

            try await device.docker.removeContainer(device.agentName, force: true)
            let recreated = await Self.waitForAgentBack(device, after: restarted?.state.startedAt ?? first.state.startedAt)
            #expect(recreated != nil && recreated?.id != first.id, "\(device.edgedLog.suffix(2000))")
            #expect(device.edgedLog.contains("Creating and starting edge runtime module \(device.agentName)"))
        }
    }

    @Test("offline: with identityd stopped, a removed edgeAgent is created again from the cached generation id")
    func offlineRecreation() async throws {
        try await withEdgeDevice { device in
            try device.writeEdgedConfig()
            try await device.startEdged()
            let first = try await device.waitForAgentRunning()
            let generationId = device.inspectEnv(first)["IOTEDGE_MODULEGENERATIONID"]
            #expect(generationId != nil)

            try await device.stopAziotd("identityd")
            await device.emulator.stop()
            try await device.docker.removeContainer(device.agentName, force: true)
            let recreated = await Self.waitForAgentBack(device, after: first.state.startedAt)
            let agent = try #require(recreated, "\(device.edgedLog.suffix(3000))")
            #expect(agent.id != first.id)
            #expect(device.inspectEnv(agent)["IOTEDGE_MODULEGENERATIONID"] == generationId)
            #expect(device.edgedLog.contains("Using the cached generation id of $edgeAgent"))
        }
    }

    @Test("edgeAgent updating itself: PUT answers 201 at once, the container is replaced in the background and runs")
    func selfUpdate() async throws {
        try await withEdgeDevice { device in
            try device.writeEdgedConfig()
            try await device.startEdged()
            let first = try await device.waitForAgentRunning()
            // The agent keeps the management socket and the host root.
            let spec = EdgeTestDevice.moduleSpec(
                device.agentName, env: ["UPDATED": "yes"], binds: ["/:/host:ro", "\(device.managementSocket):\(device.managementSocket)"]
            )
            let answer = try await device.asAgent("PUT", "/modules/\(device.agentName)?\(Self.v)&start=true", json: spec)
            #expect(answer.status == 201, "\(answer.body)")
            let replaced = await Self.waitForAgentBack(device, after: first.state.startedAt, timeout: .seconds(40))
            let agent = try #require(replaced, "\(device.edgedLog.suffix(3000))")
            #expect(agent.id != first.id)
            #expect(device.inspectEnv(agent)["UPDATED"] == "yes")
            // The replaced agent still reaches the management socket and is still edgeAgent to edged.
            #expect(try await device.asAgent("POST", "/modules?\(Self.v)", json: "{}").status == 422)
        }
    }
}
