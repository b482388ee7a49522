import DockerClient
import IoTHubProtocol
import MQTTTestSupport
import Testing

/// Docker's own statuses and messages reach the caller as `DockerError`.
@Suite struct ErrorMappingTests {
    @Test func noSuchContainerIs404() async throws {
        let client = try await DockerTest.client()
        let missing = DockerTest.uniqueName("missing")
        let inspect = await dockerError { _ = try await client.inspectContainer(missing) }
        #expect(inspect?.code == .notFound)
        #expect(inspect?.status == 404)
        #expect(inspect?.message.contains("No such container") == true)
        #expect(inspect?.message.contains(missing) == true)
        for operation in ["start", "stop", "remove", "logs", "top"] {
            let error = await dockerError {
                switch operation {
                case "start": try await client.startContainer(missing)
                case "stop": try await client.stopContainer(missing)
                case "remove": try await client.removeContainer(missing, force: true)
                case "logs": _ = try await client.containerLogs(missing, tty: false)
                default: _ = try await client.topContainer(missing)
                }
            }
            #expect(error?.code == .notFound, "\(operation)")
        }
    }

    @Test func duplicateNameIs409() async throws {
        let client = try await DockerTest.client()
        let name = DockerTest.uniqueName("dup")
        try await DockerTest.withContainer(client, name: name, options: DockerTest.options(name, "true"), start: false) { _ in
            let error = await dockerError { _ = try await client.createContainer(name: name, options: DockerTest.options(name, "true")) }
            #expect(error?.code == .conflict)
            #expect(error?.status == 409)
            #expect(error?.message.contains("already in use") == true)
        }
    }

    @Test func startingAStartedContainerIs304AndStoppingAStoppedOneToo() async throws {
        let client = try await DockerTest.client()
        let name = DockerTest.uniqueName("304")
        try await DockerTest.withContainer(client, name: name, options: DockerTest.options(name, "trap 'exit 0' TERM; while true; do sleep 0.1; done")) { id in
            let start = await dockerError { try await client.startContainer(id) }
            #expect(start?.code == .notModified)
            #expect(start?.status == 304)
            // Removing a running container without force is refused.
            let remove = await dockerError { try await client.removeContainer(id) }
            #expect(remove?.code == .conflict)
            try await client.stopContainer(id, timeout: 5)
            let stop = await dockerError { try await client.stopContainer(id) }
            #expect(stop?.code == .notModified)
            // top of a stopped container is Docker's conflict.
            let top = await dockerError { _ = try await client.topContainer(id) }
            #expect(top?.code == .conflict)
            #expect(top?.message.contains("not running") == true)
        }
    }

    @Test func missingImageOnCreateIs404() async throws {
        let client = try await DockerTest.client()
        let name = DockerTest.uniqueName("noimage")
        var options = DockerTest.options(name, "true")
        options.image = "swift-iotedge-test/no-such-image:\(name)"
        let error = await dockerError { _ = try await client.createContainer(name: name, options: options) }
        #expect(error?.code == .notFound)
        #expect(error?.message.contains("No such image") == true)
    }

    @Test func badCreateBodyIs400() async throws {
        let client = try await DockerTest.client()
        let name = DockerTest.uniqueName("badbody")
        var options = DockerTest.options(name, "true")
        options.base = ["HostConfig": ["RestartPolicy": ["Name": "sometimes"]]]
        options.restartPolicy = nil
        let error = await dockerError { _ = try await client.createContainer(name: name, options: options) }
        #expect(error?.code == .badRequest)
        #expect(error?.message.contains("sometimes") == true)
        try? await client.removeContainer(name, force: true)
    }

    @Test func emptyNamesAreRefusedBeforeAnyRequest() async throws {
        let client = DockerClient(configuration: DockerClientConfiguration(socketPath: "/nonexistent/docker.sock"))
        let error = await dockerError { try await client.startContainer("") }
        #expect(error?.code == .invalidArgument)
    }
}
