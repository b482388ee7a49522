import DockerClient
import IoTHubProtocol
import MQTTTestSupport
import Testing

/// Version negotiation and the system calls, against the real engine.
@Suite struct SystemTests {
    @Test func negotiatesTheLowerOfTheEnginesVersionAndOurs() async throws {
        let client = try await DockerTest.client()
        let version = try await client.version()
        let engine = try #require(DockerAPIVersion(version.apiVersion))
        let chosen = try await client.apiVersion()
        #expect(chosen == min(engine, DockerAPIVersion.supported))
        #expect(chosen <= engine)
        #expect(!version.version.isEmpty)
        // Remembered: a second call does not change it.
        #expect(try await client.apiVersion() == chosen)
    }

    @Test func pingAndInfo() async throws {
        let client = try await DockerTest.client()
        #expect(try await client.ping() == "OK")
        let info = try await client.info()
        #expect(info.driver?.isEmpty == false)
        #expect(info.osType == "linux")
        #expect((info.cpus ?? 0) > 0)
        #expect(info.raw["Driver"]?.stringValue == info.driver)
    }

    @Test func anOlderFixedVersionIsUsedInThePaths() async throws {
        let client = DockerClient(configuration: DockerClientConfiguration(apiVersion: .fixed(DockerAPIVersion(major: 1, minor: 30))))
        #expect(try await client.apiVersion() == DockerAPIVersion("1.30"))
        // Served in 1.30's shape.
        _ = try await client.info()
        let images = try await client.listImages(filters: ["reference": [DockerTest.image]])
        #expect(images.count == 1)
    }

    @Test func aVersionTheEngineDoesNotServeIsDockersError() async throws {
        _ = try await DockerTest.client()
        let client = DockerClient(configuration: DockerClientConfiguration(apiVersion: .fixed(DockerAPIVersion(major: 1, minor: 99))))
        let error = await dockerError { _ = try await client.info() }
        #expect(error?.code == .badRequest)
        #expect(error?.status == 400)
        #expect(error?.message.contains("1.99") == true)
    }

    @Test func noEngineIsAConnectionError() async throws {
        let client = DockerClient(configuration: DockerClientConfiguration(socketPath: "/nonexistent/docker.sock"))
        let error = await dockerError { _ = try await client.ping() }
        #expect(error?.code == .connectionFailed)
        #expect(error?.message.contains("/nonexistent/docker.sock") == true)
    }
}
