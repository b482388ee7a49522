import DockerClient
import EdgeTestSupport
import Foundation
import IoTHubProtocol
import MQTTTestSupport
import Testing

@Suite("edged brings a killed edgeAgent (the test module image) back", .serialized)
struct AgentRecoveryTests {
    @Test("docker kill of the agent container: running again within 30 s (the figure is printed), and it reaches the management API again")
    func killedAgentComesBack() async throws {
        let scenario: JSONValue = ["steps": [["op": "list"]]]
        try await withAgentDevice(scenario: { _ in scenario }) { device in
            let first = try await device.waitForAgentRunning()
            _ = try await device.waitForDone(device.agentName)

            try await device.docker.killContainer(device.agentName)
            let killed = ContinuousClock.now
            var back: ContainerInspect?
            // A generous bound for a loaded machine; edged reacts to Docker's die event, not to its 60 s poll.
            let recovered = await eventually(timeout: .seconds(30)) {
                guard let agent = try? await device.docker.inspectContainer(device.agentName), agent.state.running,
                    agent.state.startedAt > first.state.startedAt
                else { return false }
                back = agent
                return true
            }
            let elapsed = ContinuousClock.now - killed
            print("ModuleRuntimeTests: the killed edgeAgent ran again after \(elapsed.formatted(.units(allowed: [.milliseconds])))")
            #expect(recovered, "not running again after \(elapsed): \(device.edgedLog.suffix(3000))")
            #expect(back?.id == first.id, "started again, not recreated")

            // The restarted agent ran its scenario again: a second answer from the management API.
            let lines = try await device.waitForDone(device.agentName, count: 2, timeout: .seconds(60))
            let lists = lines.filter { $0["op"] == "list" }
            #expect(lists.count == 2 && lists.allSatisfy { $0["status"] == 200 }, "\(lines.map(\.jsonString))")
        }
    }
}
