import CheckReport
import DockerClient
@testable import EdgeCheck
import EdgeTestSupport
import Foundation
import IoTHubProtocol
import MQTTTestSupport
import Testing

/// The checks that look at containers and images, against containers the tests create on the real engine.
@Suite("iotedge check: agent storage and agent image (§6.7)")
struct ContainerCheckTests {
    @Test("edge-agent-storage-mounted-from-host: StorageFolder under a bind is OK, elsewhere a warning")
    func storageMounted() async throws {
        let files = try CheckFiles()
        defer { files.remove() }
        let docker = try await DockerTestEngine.client()
        let agent = "edgeAgent-check-\(UUID().uuidString.prefix(8).lowercased())"
        try files.writeMinimalEdgedConfig(agentName: agent)
        let only = try await onlyRun(["aziot-edged-config-well-formed", "container-engine-uri", "edge-agent-storage-mounted-from-host"], environment: files.environment)
        let storage = "\(files.root)/storage"
        try FileManager.default.createDirectory(atPath: storage, withIntermediateDirectories: true)

        // Created, not started: inspect is all the check needs.
        _ = try await docker.createContainer(name: agent, body: [
            "Image": .string(EdgeTestDevice.image), "Cmd": ["true"], "Env": ["StorageFolder=/iotedge/storage"],
            "HostConfig": ["Binds": .array([.string("\(storage):/iotedge")])],
        ])
        do {
            let mounted = await files.run(files.options { $0.dontRun = only; $0.output = .json })
            #expect(mounted.result("edge-agent-storage-mounted-from-host") == "ok", "\(mounted.text)")
            let info = mounted.json?["checks"]?["edge-agent-storage-mounted-from-host"]?["additional_info"]
            #expect(info?["storage_directory"]?.stringValue == "/iotedge/storage/edgeAgent")

            try await docker.removeContainer(agent, force: true)
            _ = try await docker.createContainer(name: agent, body: [
                "Image": .string(EdgeTestDevice.image), "Cmd": ["true"], "Env": ["StorageFolder=/data"],
                "HostConfig": ["Binds": .array([.string("\(storage):/iotedge")])],
            ])
            let unmounted = await files.run(files.options { $0.dontRun = only })
            #expect(unmounted.code == 0, "\(unmounted.text)")
            #expect(unmounted.line("edge-agent-storage-mounted-from-host")?.hasSuffix(" - Warning") == true, "\(unmounted.text)")
            #expect(unmounted.message("edge-agent-storage-mounted-from-host").contains("/data/edgeAgent"), "\(unmounted.text)")
        } catch {
            try? await docker.removeContainer(agent, force: true)
            throw error
        }
        try? await docker.removeContainer(agent, force: true)
    }

    @Test("check-agent-image: an image that is absent is pulled; a failed pull is an error that explains the fix")
    func agentImagePull() async throws {
        let files = try CheckFiles()
        defer { files.remove() }
        // A registry on a closed port of this machine: the pull fails at once, without the internet.
        let port = try await freePort()
        let image = "127.0.0.1:\(port)/edge-check/absent:1"
        try files.writeMinimalEdgedConfig(image: image)
        let only = try await onlyRun(["aziot-edged-config-well-formed", "container-engine-uri", "check-agent-image"], environment: files.environment)
        let run = await files.run(files.options { $0.dontRun = only; $0.output = .json })
        #expect(run.code == 1, "\(run.text)")
        #expect(run.result("check-agent-image") == "error", "\(run.text)")
        let check = run.json?["checks"]?["check-agent-image"]
        #expect(check?["additional_info"]?["action"]?.stringValue == "pull failed")
        let message = check?["result"]?["details"]?.arrayValue?.first?.stringValue ?? ""
        #expect(message.contains("\(image) is not present locally and could not be pulled"), "\(message)")
        #expect(message.contains("[agent.config.auth]"), "\(message)")
    }
}
