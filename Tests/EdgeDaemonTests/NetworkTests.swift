import DockerClient
import EdgeDaemon
import EdgeTestSupport
import Foundation
import IoTHubProtocol
import MQTTTestSupport
import Testing

@Suite("The Docker network edged creates at start (§4.7)")
struct NetworkTests {
    @Test(
        "a missing network is created with its IPAM settings and edgeAgent is attached to it; an existing one is kept"
    )
    func createdAndAttached() async throws {
        try await withEdgeDevice { device in
            let network = "edged-test-net-\(device.instance)"
            try device.writeEdgedConfig(
                network: """
                    [moby_runtime.network]
                    name = "\(network)"

                    [[moby_runtime.network.ipam.config]]
                    subnet = "172.31.250.0/24"
                    gateway = "172.31.250.1"
                    """,
                agentHostConfig: #"{ Binds = ["/:/host:ro"] }"#
            )
            do {
                try await Self.check(device, network)
            } catch {
                _ = try? await device.stopEdged()
                try? await device.docker.removeContainer(device.agentName, force: true)
                try? await device.docker.removeNetwork(network)
                throw error
            }
        }
    }

    static func check(_ device: EdgeTestDevice, _ network: String) async throws {
        try await device.startEdged()
        let agent = try await device.waitForAgentRunning()
        let inspected = try await device.docker.inspectNetwork(network)
        #expect(inspected.driver == "bridge")
        #expect(inspected.ipamConfig.first?["Subnet"] == "172.31.250.0/24")
        #expect(inspected.ipamConfig.first?["Gateway"] == "172.31.250.1")
        #expect(
            agent.raw["NetworkSettings"]?["Networks"]?[network] != nil,
            "\(agent.raw["NetworkSettings"]?["Networks"]?.jsonString ?? "")")
        #expect(device.inspectEnv(agent)["NetworkId"] == .some(network))

        // A restart finds the network and leaves it as it is.
        #expect(try await device.stopEdged() == 0)
        try await device.startEdged()
        #expect(try await device.docker.inspectNetwork(network).id == inspected.id)
        #expect(!device.edgedLog.contains("Creating the Docker network"))
        // The agent must go before its network can be removed.
        try await device.stopEdged()
        try await device.docker.removeContainer(device.agentName, force: true)
        try await device.docker.removeNetwork(network)
    }
}
