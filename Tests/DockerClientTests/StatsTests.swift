import DockerClient
import Foundation
import IoTHubProtocol
import MQTTTestSupport
import Testing

/// `GET /containers/{id}/stats?stream=false`, against the real engine.
@Suite struct StatsTests {
    @Test func oneSampleOfARunningContainer() async throws {
        let client = try await DockerTest.client()
        let name = DockerTest.uniqueName("stats")
        let options = DockerTest.options(name, "trap 'exit 0' TERM; while true; do sleep 0.1; done")
        try await DockerTest.withContainer(client, name: name, options: options) { id in
            let sample = try await client.stats(id)
            #expect(sample["name"]?.stringValue == "/\(name)")
            #expect(sample["id"]?.stringValue == id)
            #expect(sample["cpu_stats"]?.objectValue != nil)
            #expect(sample["precpu_stats"]?.objectValue != nil)
            #expect(sample["memory_stats"]?.objectValue != nil, "\(sample)")
            let quick = try await client.stats(name, oneShot: true)
            #expect(quick["id"]?.stringValue == id)
        }
        let missing = await dockerError { _ = try await client.stats("no-such-\(name)") }
        #expect(missing?.code == .notFound)
    }
}
