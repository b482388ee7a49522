import DockerClient
import EdgeDaemon
import EdgeTestSupport
import Foundation
import HubEmulatorTestSupport
import HubEmulator
import IoTHubProtocol
import MQTTTestSupport
import NIOHTTP1
import Testing

@Suite("The management API through its real socket: curl and the project's client, edgeAgent and other callers (§2, §4.1)", .serialized)
struct ManagementAPITests {
    static let v = "api-version=2020-07-07"

    @Test("routing rules: api-version required and known, 404 for unknown paths and below a route's version, 400 for a wrong method")
    func routing() async throws {
        try await withEdgeDevice { device in
            try device.writeEdgedConfig()
            try await device.startEdged()
            _ = try await device.waitForAgentRunning()
            let missing = try await device.asHost("GET", "/modules")
            #expect(missing.status == 400 && missing.body == #"{"message":"api-version not specified"}"#)
            let rejected = try await device.asHost("GET", "/modules?api-version=2021-05-11")
            #expect(rejected.status == 400 && rejected.body == #"{"message":"invalid api-version \"2021-05-11\""}"#)
            for version in ["2018-06-28", "2019-01-30", "2019-10-22", "2019-11-05", "2020-07-07", "2021-12-07", "2022-08-03"] {
                let list = try await device.asHost("GET", "/modules/?api-version=\(version)")
                #expect(list.status == 200, "\(version)")
                #expect(list.headers.lowercased().contains("content-type: application/json"))
            }
            #expect(try await device.asHost("GET", "/nothing?\(Self.v)").body == #"{"message":"not found"}"#)
            let below = try await device.asHost("GET", "/systeminfo/resources?api-version=2019-10-22")
            #expect(below.status == 404)
            let resources = try await device.asHost("GET", "/systeminfo/resources?api-version=2019-11-05")
            #expect(resources.status == 200)
            let resourceJSON = try json(resources.body)
            #expect((resourceJSON["total_ram"]?.intValue ?? 0) > 0)
            // One Docker stats object per module (here the agent), as a string (see LogsFollowTests).
            #expect(try json(resourceJSON["docker_stats"]?.stringValue ?? "").arrayValue?.count == 1)
            let wrongMethod = try await device.asHost("PATCH", "/modules?\(Self.v)")
            #expect(wrongMethod.status == 400 && wrongMethod.body == #"{"message":"method not allowed"}"#)
            let getStart = try await device.asHost("GET", "/modules/x/start?\(Self.v)")
            #expect(getStart.status == 400)
            let unknownAction = try await device.asHost("POST", "/modules/x/jump?\(Self.v)")
            #expect(unknownAction.status == 404)
            // prepareupdate exists from 2019-01-30 on.
            #expect(try await device.asAgent("POST", "/modules/x/prepareupdate?api-version=2018-06-28", json: "{}").status == 404)

            let info = try json(try await device.asHost("GET", "/systeminfo?\(Self.v)").body)
            #expect(info["osType"] == "Linux")
            #expect(info["version"]?.stringValue?.hasPrefix(EdgeDaemon.version) == true)
            #expect(info["server_version"]?.stringValue?.isEmpty == false)
            #expect(info["provisioning"]?["type"] == "ProvisioningType")
            #expect((info["cpus"]?.intValue ?? 0) > 0)
        }
    }

    @Test("module create, get, list, start, stop, restart, logs, update, prepareupdate, delete — and their error codes")
    func moduleLifecycle() async throws {
        try await withEdgeDevice { device in
            try device.writeEdgedConfig()
            try await device.startEdged()
            _ = try await device.waitForAgentRunning()
            let name = device.moduleName("mod")
            let spec = EdgeTestDevice.moduleSpec(name, output: "echo out-line; echo err-line >&2")

            // Only edgeAgent creates modules.
            let refused = try await device.asHost("POST", "/modules?\(Self.v)", json: spec)
            #expect(refused.status == 403 && refused.body == #"{"message":"forbidden"}"#)
            let created = try await device.asAgent("POST", "/modules?\(Self.v)", json: spec)
            #expect(created.status == 201, "\(created.body)")
            let echo = try json(created.body)
            #expect(echo["id"] == "id" && echo["name"] == .string(name))
            #expect(echo["status"] == ["runtimeStatus": ["status": "stopped"]])
            #expect(echo["config"]?["env"] == [["key": "MY_VAR", "value": "1"]])
            #expect(try await device.asAgent("POST", "/modules?\(Self.v)", json: spec).status == 409)
            let badSpec = try await device.asAgent("POST", "/modules?\(Self.v)", json: #"{"name":"","type":"docker","config":{"settings":{"image":"i"}}}"#)
            #expect(badSpec.status == 400)
            #expect(try await device.asAgent("POST", "/modules?\(Self.v)", json: "{not json").status == 422)

            // GET: labels under createOptions, the image id, env empty.
            let module = try json(try await device.asHost("GET", "/modules/\(name)?\(Self.v)").body)
            #expect(module["config"]?["settings"]?["image"] == .string(EdgeTestDevice.image))
            #expect(module["config"]?["settings"]?["imageHash"]?.stringValue?.hasPrefix("sha256:") == true)
            #expect(module["config"]?["settings"]?["createOptions"]?["Labels"]?["net.azure-devices.edge.owner"] == "Microsoft.Azure.Devices.Edge.Agent")
            #expect(module["config"]?["env"] == [])
            #expect(module["status"]?["runtimeStatus"]?["status"] == "stopped")
            let missing = try await device.asHost("GET", "/modules/no-such-\(name)?\(Self.v)")
            #expect(missing.status == 404 && missing.body.contains("No such container"))

            // The container: env from the spec plus the IOTEDGE_* defaults, the socket directory mount.
            let container = try await device.docker.inspectContainer(name)
            let env = device.inspectEnv(container)
            #expect(env["MY_VAR"] == "1")
            #expect(env["IOTEDGE_MODULEID"] == .some(name))
            #expect(env["IOTEDGE_DEVICEID"] == .some(device.deviceId))
            #expect(env["IOTEDGE_IOTHUBHOSTNAME"] == "localhost")
            #expect(env["IOTEDGE_GATEWAYHOSTNAME"] == "edge-test-host")
            #expect(env["IOTEDGE_WORKLOADURI"] == "unix:///var/run/iotedge/workload.sock")
            #expect(env["IOTEDGE_AUTHSCHEME"] == "sasToken")
            #expect(env["IOTEDGE_APIVERSION"] == "2022-08-03")
            let binds = container.raw["HostConfig"]?["Binds"]?.arrayValue?.compactMap(\.stringValue) ?? []
            #expect(binds.contains("\(hostPath(device.homedir))/mnt/\(name):/var/run/iotedge"), "\(binds)")
            #expect(container.config.labels["net.azure-devices.edge.original-image"] == EdgeTestDevice.image)

            // Start (case-insensitive action) from the host: the socket listens in the container.
            #expect(try await device.asHost("POST", "/modules/\(name)/START?\(Self.v)").status == 204)
            #expect(try await device.client.module(name).status == .running)
            #expect(try await device.asHost("POST", "/modules/\(name)/start?\(Self.v)").status == 204, "already running is success")
            let socket = try await ChildProcess.run("docker", ["exec", name, "test", "-S", "/var/run/iotedge/workload.sock"])
            #expect(socket.status == 0)

            // Logs: the raw multiplexed stream as text/plain; the client demultiplexes it.
            #expect(await eventually(timeout: .seconds(20)) { ((try? await device.client.logs(name)) ?? []).count >= 2 })
            let frames = try await device.client.logs(name)
            #expect(frames.contains { $0.stream == .stdout && $0.text == "out-line\n" })
            #expect(frames.contains { $0.stream == .stderr && $0.text == "err-line\n" })
            let raw = try await device.asHost("GET", "/modules/\(name)/logs?\(Self.v)&tail=1&timestamps=true&since=1%20day")
            #expect(raw.status == 200 && raw.headers.lowercased().contains("content-type: text/plain"))
            #expect(try await device.asHost("GET", "/modules/\(name)/logs?\(Self.v)&tail=x").body == #"{"message":"invalid parameter: tail"}"#)
            #expect(try await device.client.logs(name, tail: "1").count == 1)

            // Stop and restart.
            #expect(try await device.asHost("POST", "/modules/\(name)/stop?\(Self.v)").status == 204)
            let stopped = try await device.client.module(name)
            #expect(stopped.status == .stopped && stopped.exitCode == "0" && stopped.exitTime != nil)
            #expect(try await device.asHost("POST", "/modules/\(name)/restart?\(Self.v)").status == 204)
            #expect(try await device.client.module(name).status == .running)

            // prepareupdate pulls only; the body must name the module of the path.
            #expect(try await device.asAgent("POST", "/modules/\(name)/prepareupdate?\(Self.v)", json: spec).status == 204)
            #expect(try await device.asAgent("POST", "/modules/other/prepareupdate?\(Self.v)", json: spec).status == 400)

            // Update: a new container with the new env, started.
            let oldId = try await device.docker.inspectContainer(name).id
            #expect(try await device.asAgent("PUT", "/modules/\(name)?\(Self.v)&start=maybe", json: spec).body == #"{"message":"invalid parameter: start"}"#)
            #expect(try await device.asAgent("PUT", "/modules/\(name)?\(Self.v)", json: "").status == 422)
            let updated = try await device.asAgent("PUT", "/modules/\(name)?\(Self.v)&start=true", json: EdgeTestDevice.moduleSpec(name, env: ["MY_VAR": "2"]))
            #expect(updated.status == 201, "\(updated.body)")
            #expect(try json(updated.body)["status"] == ["runtimeStatus": ["status": "running"]])
            let replaced = try await device.docker.inspectContainer(name)
            #expect(replaced.id != oldId && replaced.state.running)
            #expect(device.inspectEnv(replaced)["MY_VAR"] == "2")

            // The list has the module and the agent.
            let names = try await device.client.modules().map(\.name)
            #expect(names.contains(name) && names.contains(device.agentName))

            // Delete: 204, then 404 (not the reference's 500).
            #expect(try await device.asHost("DELETE", "/modules/\(name)?\(Self.v)").status == 403)
            #expect(try await device.asAgent("DELETE", "/modules/\(name)?\(Self.v)").status == 204)
            #expect(try await device.asHost("GET", "/modules/\(name)?\(Self.v)").status == 404)
            let again = try await device.asAgent("DELETE", "/modules/\(name)?\(Self.v)")
            #expect(again.status == 404, "\(again.body)")
            #expect(!FileManager.default.fileExists(atPath: "\(device.homedir)/mnt/\(name)"))
        }
    }

    @Test("caller checks: a module container may not create modules, nor stop or restart another module; edgeAgent may")
    func callers() async throws {
        try await withEdgeDevice { device in
            try device.writeEdgedConfig()
            try await device.startEdged()
            _ = try await device.waitForAgentRunning()
            let intruder = device.moduleName("intruder")
            let victim = device.moduleName("victim")
            for module in [intruder, victim] {
                #expect(try await device.asAgent("POST", "/modules?\(Self.v)", json: EdgeTestDevice.moduleSpec(module)).status == 201)
                #expect(try await device.asAgent("POST", "/modules/\(module)/start?\(Self.v)").status == 204)
            }
            // The intruder reaches the management socket through the host's file system (/host).
            let socket = hostPathInContainer(device.managementSocket)
            let create = try await curlInContainer(intruder, socket, "POST", "/modules?\(Self.v)", json: EdgeTestDevice.moduleSpec(device.moduleName("x")))
            #expect(create.status == 403)
            for action in ["stop", "restart", "start"] {
                let result = try await curlInContainer(intruder, socket, "POST", "/modules/\(victim)/\(action)?\(Self.v)")
                #expect(result.status == 403, "\(action): \(result.body)")
            }
            let delete = try await curlInContainer(intruder, socket, "DELETE", "/modules/\(victim)?\(Self.v)")
            #expect(delete.status == 403)
            #expect(try await device.docker.inspectContainer(victim).state.running)
            // Reading stays open to it, as in the reference.
            #expect(try await curlInContainer(intruder, socket, "GET", "/modules?\(Self.v)").status == 200)
            // edgeAgent may stop it; a host process may restart it.
            #expect(try await device.asAgent("POST", "/modules/\(victim)/stop?\(Self.v)").status == 204)
            #expect(try await device.asHost("POST", "/modules/\(victim)/restart?\(Self.v)").status == 204)
            #expect(try await device.docker.inspectContainer(victim).state.running)
        }
    }

    @Test("identities: list, create (200, managedBy echoed), update, delete, proxied to identityd and IoT Hub")
    func identities() async throws {
        try await withEdgeDevice { device in
            try device.writeEdgedConfig()
            try await device.startEdged()
            _ = try await device.waitForAgentRunning()
            let moduleId = device.moduleName("id")
            #expect(try await device.asHost("POST", "/identities?\(Self.v)", json: #"{"moduleId":"\#(moduleId)"}"#).status == 403)
            let created = try await device.asAgent("POST", "/identities?\(Self.v)", json: #"{"moduleId":"\#(moduleId)","managedBy":"someone"}"#)
            #expect(created.status == 200, "\(created.body)")
            let identity = try json(created.body)
            #expect(identity["moduleId"] == .string(moduleId) && identity["managedBy"] == "someone" && identity["authType"] == "sas")
            let generationId = try #require(identity["generationId"]?.stringValue)
            #expect(try await device.emulator.registry.module(deviceId: device.deviceId, moduleId: moduleId).generationId == generationId)

            let list = try json(try await device.asHost("GET", "/identities/?\(Self.v)").body)
            let entry = list["identities"]?.arrayValue?.first { $0["moduleId"] == .string(moduleId) }
            #expect(entry == ["moduleId": .string(moduleId), "managedBy": "iotedge", "generationId": .string(generationId), "authType": "sas"])

            let updated = try await device.asAgent("PUT", "/identities/\(moduleId)?\(Self.v)", json: #"{"generationId":"ignored","managedBy":"x"}"#)
            #expect(updated.status == 200)
            #expect(try json(updated.body)["generationId"] == .string(generationId))
            #expect(try await device.asAgent("POST", "/identities?\(Self.v)", json: "").status == 400)
            #expect(try await device.asAgent("DELETE", "/identities/\(moduleId)?\(Self.v)").status == 204)
            #expect(try await !device.emulator.moduleIds(device.deviceId).contains(moduleId))
            #expect(try await device.asAgent("DELETE", "/identities/\(moduleId)?\(Self.v)").status == 500)
        }
    }
}

@Suite("The project's ManagementClient against edged")
struct ManagementClientTests {
    @Test("list, get, start, stop, restart and logs (500 lines and a 100 kB line, reassembled from Docker's frames); errors carry edged's status and message")
    func client() async throws {
        try await withEdgeDevice { device in
            try device.writeEdgedConfig()
            try await device.startEdged()
            _ = try await device.waitForAgentRunning()
            let name = device.moduleName("client")
            let output = "i=0; while [ $i -lt 500 ]; do echo line-$i; i=$((i+1)); done; head -c 100000 /dev/zero | tr '\\0' x; echo"
            #expect(try await device.asAgent("POST", "/modules?api-version=2020-07-07", json: EdgeTestDevice.moduleSpec(name, output: output)).status == 201)
            let client = device.client

            // Creating is edgeAgent's: the host gets 403 with edged's message.
            do {
                try await client.createModule(try json(EdgeTestDevice.moduleSpec(device.moduleName("denied"))))
                Issue.record("a host process created a module")
            } catch let error as ManagementClientError {
                #expect(error.status == .forbidden && error.message == "forbidden")
            }
            do {
                _ = try await client.module("missing-\(name)")
                Issue.record("a missing module was found")
            } catch let error as ManagementClientError {
                #expect(error.status == .notFound && error.message.contains("No such container"))
            }

            #expect(try await client.module(name).status == .stopped)
            try await client.startModule(name)
            let running = try await client.module(name)
            #expect(running.status == .running && running.startTime != nil && running.image == EdgeTestDevice.image)
            #expect(running.labels["net.azure-devices.edge.owner"] == "Microsoft.Azure.Devices.Edge.Agent")
            #expect(try await client.modules().contains { $0.name == name && $0.status == .running })

            var text = ""
            let complete = await eventually(timeout: .seconds(30)) {
                let frames = (try? await client.logs(name)) ?? []
                text = frames.filter { $0.stream == .stdout }.map(\.text).joined()
                return text.hasSuffix(String(repeating: "x", count: 100) + "\n")
            }
            #expect(complete)
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            #expect(lines.count == 502, "500 numbered lines, the long one, and the end")
            #expect(lines.prefix(500).enumerated().allSatisfy { $0.element == "line-\($0.offset)" })
            #expect(lines[500] == Substring(String(repeating: "x", count: 100_000)))
            // Docker keeps a long line as several log entries (16 kB each): tail counts those.
            let last = try await client.logs(name, tail: "1").map(\.text).joined()
            #expect(last.hasSuffix("xx\n") && !last.contains("line-") && last.count < 100_000)

            try await client.stopModule(name)
            #expect(try await client.module(name).status == .stopped)
            try await client.restartModule(name)
            #expect(try await client.module(name).status == .running)
            let info = try await client.systemInfo()
            #expect(info["osType"] == "Linux")
        }
    }
}
