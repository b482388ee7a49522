import DockerClient
import Foundation
import IoTHubProtocol
import MQTTTestSupport
import Testing

/// Container create/start/inspect/list/top/stop/restart/wait/remove, against the real engine.
@Suite struct ContainerTests {
    @Test func lifecycle() async throws {
        let client = try await DockerTest.client()
        let name = DockerTest.uniqueName("lifecycle")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(name).path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }

        // A deployment-style createOptions object with a field this client has no name for.
        let createOptions = try JSONValue(parsing: #"{"HostConfig":{"ShmSize":33554432,"Init":false},"StopTimeout":1,"Domainname":"example.test"}"#)
        var options = DockerTest.options(name, "echo started > /data/marker; trap 'exit 0' TERM; while true; do sleep 0.1; done")
        options.base = try #require(createOptions.objectValue)
        options.env = ["MODULE=\(name)", "EMPTY="]
        options.binds = ["\(directory):/data"]
        options.restartPolicy = .onFailure(maximumRetryCount: 2)
        options.labels = [DockerTest.label: name, "net.azure-devices.edge.owner": "swift-iotedge-test"]

        try await DockerTest.withContainer(client, name: name, options: options, start: false) { id in
            var inspect = try await client.inspectContainer(name)
            #expect(inspect.id == id)
            #expect(inspect.name == name)
            #expect(inspect.state.status == "created")
            #expect(inspect.config.labels["net.azure-devices.edge.owner"] == "swift-iotedge-test")
            #expect(inspect.config.env.contains("MODULE=\(name)"))
            #expect(inspect.config.env.contains("EMPTY="))
            #expect(inspect.networkMode == "host")
            #expect(inspect.raw["HostConfig"]?["Binds"] == .array([.string("\(directory):/data")]))
            #expect(inspect.raw["HostConfig"]?["RestartPolicy"] == ["Name": "on-failure", "MaximumRetryCount": 2])
            #expect(inspect.raw["HostConfig"]?["ShmSize"] == 33_554_432)
            #expect(inspect.raw["Config"]?["Domainname"] == "example.test")
            #expect(inspect.raw["Config"]?["StopTimeout"] == 1)

            // Listing by label: a created container only with all=true.
            let filters: DockerFilters = ["label": ["\(DockerTest.label)=\(name)"]]
            #expect(try await client.listContainers(filters: filters).isEmpty)
            let all = try await client.listContainers(all: true, filters: filters)
            #expect(all.map(\.id) == [id])
            #expect(all.first?.names == [name])
            #expect(all.first?.labels[DockerTest.label] == name)

            try await client.startContainer(id)
            inspect = try await client.inspectContainer(id)
            #expect(inspect.state.running)
            #expect(inspect.state.pid > 0)
            let running = try await client.listContainers(filters: filters)
            #expect(running.map(\.id) == [id])
            #expect(running.first?.state == "running")
            let marker = directory + "/marker"
            #expect(await eventually(timeout: .seconds(10)) { FileManager.default.fileExists(atPath: marker) })

            // top: the main process's host PID is among the container's processes.
            let top = try await client.topContainer(id)
            #expect(try top.pids().contains(Int32(inspect.state.pid)))
            let topWithArgs = try await client.topContainer(id, psArgs: "-o pid,comm")
            #expect(topWithArgs.titles.contains("PID"))

            // restart: a new start time, running again.
            let firstStart = inspect.state.startedAt
            try await client.restartContainer(id, timeout: 5)
            inspect = try await client.inspectContainer(id)
            #expect(inspect.state.running)
            #expect(inspect.state.startedAt != firstStart)

            // stop: the TERM trap exits 0.
            try await client.stopContainer(id, timeout: 5)
            inspect = try await client.inspectContainer(id)
            #expect(!inspect.state.running)
            #expect(inspect.state.status == "exited")
            #expect(inspect.state.exitCode == 0)
            #expect(try await client.listContainers(filters: filters).isEmpty)

            try await client.removeContainer(id, force: false, removeVolumes: true)
            let error = await dockerError { _ = try await client.inspectContainer(id) }
            #expect(error?.code == .notFound)
        }
    }

    @Test func waitReturnsTheExitStatus() async throws {
        let client = try await DockerTest.client()
        let name = DockerTest.uniqueName("wait")
        try await DockerTest.withContainer(client, name: name, options: DockerTest.options(name, "sleep 0.5; exit 3")) { id in
            let status = try await DockerTest.waitForExit(client, id)
            #expect(status == 3)
            let inspect = try await client.inspectContainer(id)
            #expect(inspect.state.exitCode == 3)
            // Not running any more: returns at once.
            #expect(try await DockerTest.waitForExit(client, id) == 3)
        }
    }

    @Test func cancellingAWaitEndsIt() async throws {
        let client = try await DockerTest.client()
        let name = DockerTest.uniqueName("wait-cancel")
        try await DockerTest.withContainer(client, name: name, options: DockerTest.options(name, "sleep 300")) { id in
            let waiting = Task { try await client.waitContainer(id) }
            try await Task.sleep(for: .milliseconds(300))
            waiting.cancel()
            let outcome = try await withDeadline(.seconds(10), "the cancelled wait to end") {
                do {
                    _ = try await waiting.value
                    return "returned"
                } catch is CancellationError {
                    return "cancelled"
                } catch {
                    return "failed: \(error)"
                }
            }
            #expect(outcome == "cancelled")
            #expect(try await client.inspectContainer(id).state.running)
        }
    }

    @Test func killAndStopTimeout() async throws {
        let client = try await DockerTest.client()
        let name = DockerTest.uniqueName("kill")
        // sh as PID 1 ignores SIGTERM: stop must fall back to SIGKILL after the timeout.
        try await DockerTest.withContainer(client, name: name, options: DockerTest.options(name, "while true; do sleep 0.1; done")) { id in
            try await client.stopContainer(id, timeout: 1)
            let inspect = try await client.inspectContainer(id)
            #expect(!inspect.state.running)
            #expect(inspect.state.exitCode == 137)
            try await client.startContainer(id)
            try await client.killContainer(id, signal: "KILL")
            #expect(try await DockerTest.waitForExit(client, id) == 137)
        }
    }
}
