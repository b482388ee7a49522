import DockerClient
import EdgeTestSupport
import Foundation
import HubEmulatorTestSupport
import IoTHubProtocol
import MQTTTestSupport
import Testing

/// edged (the real binary, with aziotd against the emulator) whose edgeAgent is `edge-test-module agent`: a stand-in
/// agent that drives the management API from inside its container, as edgeAgent does.
@Suite("A stand-in edgeAgent (edge-test-module agent) creates, updates, restarts and removes modules through edged", .serialized)
struct AgentScenarioTests {
    static let host: JSONValue = ["HostConfig": ["NetworkMode": "host"]]

    @Test("identities and modules: create, start, update to another image and env, restart, stop/start, remove — seen in Docker and in the agent's output")
    func moduleLifecycle() async throws {
        let suffix = String(UUID().uuidString.prefix(6)).lowercased()
        let kept = "kept-\(suffix)", removed = "gone-\(suffix)"
        let busybox: JSONValue = .string(EdgeTestDevice.image)
        let loop: JSONValue = ["sh", "-c", "echo stage=$STAGE; trap 'exit 0' TERM; while true; do sleep 1; done"]
        let scenario: JSONValue = [
            "steps": [
                ["op": "createIdentity", "module": .string(removed)],
                ["op": "create", "module": .string(removed), "image": busybox, "cmd": loop, "createOptions": Self.host],
                ["op": "start", "module": .string(removed)],
                ["op": "waitFor", "module": .string(removed), "status": "running"],
                ["op": "remove", "module": .string(removed)],
                ["op": "deleteIdentity", "module": .string(removed)],
                ["op": "get", "module": .string(removed)],

                ["op": "createIdentity", "module": .string(kept)],
                ["op": "create", "module": .string(kept), "image": busybox, "cmd": loop, "env": ["STAGE": "one"], "createOptions": Self.host],
                ["op": "start", "module": .string(kept)],
                ["op": "waitFor", "module": .string(kept), "status": "running"],
                [
                    "op": "update", "module": .string(kept), "image": .string(TestModuleImage.name), "cmd": ["workload", "sign", "trust-bundle"],
                    "env": ["STAGE": "two"], "createOptions": Self.host, "pull": "never",
                ],
                // Each run of the module ends with a "done" line, read back through GET /modules/{name}/logs.
                ["op": "waitForOutput", "module": .string(kept), "text": #""op":"done""#, "count": 1],
                ["op": "restart", "module": .string(kept)],
                ["op": "waitForOutput", "module": .string(kept), "text": #""op":"done""#, "count": 2],
                ["op": "stop", "module": .string(kept)],
                ["op": "waitFor", "module": .string(kept), "status": "stopped"],
                ["op": "start", "module": .string(kept)],
                ["op": "waitForOutput", "module": .string(kept), "text": #""op":"done""#, "count": 3],
                ["op": "list"],
                ["op": "listIdentities"],
            ]
        ]
        try await withAgentDevice(scenario: { _ in scenario }) { device in
            let agent = try await device.waitForAgentRunning()
            let lines = try await device.waitForDone(device.agentName)
            let summary = lines.map(\.jsonString).joined(separator: "\n")

            // Every request answered as the management API says (§2.1).
            let expected: [(String, String, Int)] = [
                ("createIdentity", removed, 200), ("create", removed, 201), ("start", removed, 204), ("waitFor", removed, 200),
                ("remove", removed, 204), ("deleteIdentity", removed, 204), ("get", removed, 404),
                ("createIdentity", kept, 200), ("create", kept, 201), ("start", kept, 204), ("update", kept, 201), ("restart", kept, 204),
                ("stop", kept, 204), ("list", "", 200), ("listIdentities", "", 200),
            ]
            for (op, module, status) in expected {
                let line = step(lines, op, module.isEmpty ? nil : module)
                #expect(line?["status"]?.intValue == Int64(status), "\(op) \(module): \(line?.jsonString ?? "missing")\n\(summary)")
            }
            #expect(lines.filter { $0["op"] == "waitFor" || $0["op"] == "waitForOutput" }.allSatisfy { $0["status"] == 200 }, "\(summary)")
            #expect(lines.filter { $0["op"] == "waitForOutput" }.count == 3)
            #expect(step(lines, "done")?["failures"] == 1, "only the GET of the removed module fails: \(summary)")

            // The update's echo: the new image, the new env, running (PUT with start=true).
            let update = try #require(step(lines, "update", kept)?["body"])
            #expect(update["config"]?["settings"]?["image"]?.stringValue == TestModuleImage.name)
            #expect(update["config"]?["env"]?.arrayValue?.contains(["key": "STAGE", "value": "two"]) == true, "\(update.jsonString)")
            #expect(update["status"]?["runtimeStatus"]?["status"] == "running")
            let modules = step(lines, "list")?["body"]?["modules"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
            #expect(modules.contains(kept) && modules.contains(device.agentName) && !modules.contains(removed), "\(modules)")
            let identities = step(lines, "listIdentities")?["body"]?["identities"]?.arrayValue?.compactMap { $0["moduleId"]?.stringValue } ?? []
            #expect(identities.contains(kept) && !identities.contains(removed), "\(identities)")

            // Docker: the removed module is gone, the kept one runs the new image with the new env, as edgeAgent
            // would have made it (identity env, workload socket bound), in a container made by the update.
            #expect((try? await device.docker.inspectContainer(removed)) == nil)
            let container = try await device.docker.inspectContainer(kept)
            #expect(container.state.running)
            #expect(container.config.image == TestModuleImage.name)
            let env = device.inspectEnv(container)
            #expect(env["STAGE"] == "two")
            #expect(env["IOTEDGE_MODULEID"] == kept)
            let generation = step(lines, "createIdentity", kept)?["body"]?["generationId"]?.stringValue
            #expect(generation != nil && env["IOTEDGE_MODULEGENERATIONID"] == generation)
            #expect(env["IOTEDGE_DEVICEID"] == device.deviceId && env["IOTEDGE_WORKLOADURI"] == "unix:///var/run/iotedge/workload.sock")
            #expect(container.config.labels["net.azure-devices.edge.owner"] == "Microsoft.Azure.Devices.Edge.Agent")
            #expect(agent.config.env.contains("IOTEDGE_MANAGEMENTURI=unix://\(device.managementSocket)"))

            // The module ran three times in that container (update's start, restart, stop/start), each time signing
            // through its workload socket; the busybox container's output is not there (it was replaced).
            let moduleLines = try await device.waitForDone(kept, count: 3, timeout: .seconds(60))
            let signs = moduleLines.filter { $0["op"] == "sign" }
            #expect(signs.count == 3 && signs.allSatisfy { $0["status"] == 200 }, "\(moduleLines.map(\.jsonString))")
            let bundles = moduleLines.filter { $0["op"] == "trust-bundle" }
            #expect(bundles.count == 3 && bundles.allSatisfy { $0["status"] == 200 }, "\(bundles)")
            let logs = try await ChildProcess.run("docker", ["logs", kept])
            #expect(!logs.stdout.contains("stage=one"))
            #expect(try await device.emulator.moduleIds(device.deviceId).contains(kept))
            #expect(!(try await device.emulator.moduleIds(device.deviceId).contains(removed)))
        }
    }

    @Test("the agent's scenario as an argument; a malformed scenario is a usage error (exit status 2) with the reason")
    func scenarioArgument() async throws {
        let bad = try await ChildProcess.run(EdgeTestDevice.executable("edge-test-module"), ["agent", "{\"steps\": 3}"])
        #expect(bad.status == 2 && bad.stderr.contains("a scenario is"), "\(bad.stderr)")
        let notJSON = try await ChildProcess.run(EdgeTestDevice.executable("edge-test-module"), ["agent", "{oops"])
        #expect(notJSON.status == 2 && notJSON.stderr.contains("not JSON"), "\(notJSON.stderr)")
        let noSocket = try await ChildProcess.run(EdgeTestDevice.executable("edge-test-module"), ["agent", "[]"])
        #expect(noSocket.status == 2 && noSocket.stderr.contains("IOTEDGE_MANAGEMENTURI"), "\(noSocket.stderr)")

        let inline = #"{"steps":[{"op":"systemInfo"}]}"#
        try await withAgentDevice(agentArguments: ["agent", inline], scenario: { _ in nil }) { device in
            let lines = try await device.waitForDone(device.agentName)
            let info = try #require(step(lines, "systemInfo"))
            #expect(info["status"] == 200 && info["body"]?["osType"] == "Linux", "\(info.jsonString)")
        }
    }
}
