import DockerClient
import IoTHubProtocol
import MQTTTestSupport
import Testing

/// Networks create/inspect/list/remove on the real engine.
@Suite struct NetworkTests {
    @Test func createInspectListRemove() async throws {
        let client = try await DockerTest.client()
        let name = DockerTest.uniqueName("net")
        let octet = Int.random(in: 0..<250)
        let subnet = "172.30.\(octet).0/24"
        let created = try await client.createNetwork(
            name: name, enableIPv6: false, ipamConfig: [["Subnet": subnet, "Gateway": "172.30.\(octet).1"]], labels: [DockerTest.label: name]
        )
        do {
            let network = try await client.inspectNetwork(name)
            #expect(network.id == created.id)
            #expect(network.name == name)
            #expect(network.driver == "bridge")
            #expect(network.scope == "local")
            #expect(!network.enableIPv6)
            #expect(network.ipamConfig == [["Subnet": subnet, "Gateway": "172.30.\(octet).1"]])
            #expect(network.labels[DockerTest.label] == name)
            #expect(network.containerIDs.isEmpty)
            #expect(try await client.inspectNetwork(created.id).name == name)

            let listed = try await client.listNetworks(filters: ["name": [name]])
            #expect(listed.map(\.id) == [created.id])
            let byLabel = try await client.listNetworks(filters: ["label": ["\(DockerTest.label)=\(name)"]])
            #expect(byLabel.map(\.name) == [name])

            let duplicate = await dockerError { _ = try await client.createNetwork(name: name) }
            #expect(duplicate?.code == .conflict)
            #expect(duplicate?.message.contains(name) == true)
        } catch {
            try? await client.removeNetwork(created.id)
            throw error
        }
        try await client.removeNetwork(created.id)
        let gone = await dockerError { _ = try await client.inspectNetwork(created.id) }
        #expect(gone?.code == .notFound)
        let again = await dockerError { try await client.removeNetwork(name) }
        #expect(again?.code == .notFound)
    }

    @Test func createBodyGoesThroughAsGiven() async throws {
        let client = try await DockerTest.client()
        let name = DockerTest.uniqueName("net-body")
        let body = try JSONValue(parsing: #"{"Name":"\#(name)","Internal":true,"Options":{"com.docker.network.bridge.enable_icc":"false"},"Labels":{"\#(DockerTest.label)":"\#(name)"}}"#)
        let created = try await client.createNetwork(body: try #require(body.objectValue))
        let network: NetworkInspect
        do {
            network = try await client.inspectNetwork(created.id)
        } catch {
            try? await client.removeNetwork(created.id)
            throw error
        }
        try await client.removeNetwork(created.id)
        #expect(network.internal)
        #expect(network.raw["Options"]?["com.docker.network.bridge.enable_icc"] == "false")
    }

    @Test func hostNetworkExists() async throws {
        let client = try await DockerTest.client()
        let host = try await client.listNetworks(filters: ["name": ["host"]]).filter { $0.name == "host" }
        #expect(host.count == 1)
        #expect(host.first?.driver == "host")
    }
}
