import Foundation
import IoTHubProtocol
import NIOCore
import NIOHTTP1

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A stand-in for edgeAgent: runs an ``AgentScenario`` against edged's management API (`IOTEDGE_MANAGEMENTURI`)
/// and prints each step's request, HTTP status and body as a JSON line, then `{"op":"done",…}`.
struct StandInAgent: Sendable {
    let management: EdgeletSocketClient
    let environment: [String: String]
    let output: JSONLines

    init(environment: [String: String], output: JSONLines) throws {
        let apiVersion = environment["IOTEDGE_APIVERSION"].flatMap { $0.isEmpty ? nil : $0 } ?? "2022-08-03"
        management = try EdgeletSocketClient(uri: try environment.required("IOTEDGE_MANAGEMENTURI"), apiVersion: min(apiVersion, "2022-08-03"))
        self.environment = environment
        self.output = output
    }

    func run(_ scenario: AgentScenario) async {
        var generations: [String: String] = [:]
        var failures = 0
        for (index, step) in scenario.steps.enumerated() {
            var line: JSONObject = ["step": .int(Int64(index + 1))]
            for (key, value) in step.pairs where key == "op" || key == "module" { line[key] = value }
            do {
                let (method, path, answer) = try await perform(step, generations: &generations)
                if let method {
                    line["method"] = .string(method)
                    line["path"] = .string(path)
                }
                line["status"] = .int(Int64(answer.status))
                line["body"] = answer.body
                if answer.status == 0 || answer.status >= 400 { failures += 1 }
            } catch {
                line["status"] = .int(0)
                line["error"] = .string("\(error)")
                failures += 1
            }
            output.emit(line)
        }
        output.emit(["op": "done", "steps": .int(Int64(scenario.steps.count)), "failures": .int(Int64(failures))])
    }

    private func perform(_ step: JSONObject, generations: inout [String: String]) async throws -> (String?, String, EdgeletSocketClient.Answer) {
        let op = step["op"]?.stringValue ?? ""
        func module() throws -> String {
            guard let name = step["module"]?.stringValue, !name.isEmpty else { throw ModuleError("step \(op) needs a \"module\"") }
            return name
        }
        func call(_ method: HTTPMethod, _ path: String, _ body: JSONValue? = nil) async -> (String?, String, EdgeletSocketClient.Answer) {
            (method.rawValue, path, await management.call(method, path, body: body))
        }
        switch op {
        case "createIdentity":
            let name = try module()
            let result = await call(.POST, "/identities", ["moduleId": .string(name), "managedBy": step["managedBy"] ?? "IotEdge"])
            if let generation = result.2.body["generationId"]?.stringValue { generations[name] = generation }
            return result
        case "updateIdentity":
            let name = try module()
            let result = await call(.PUT, "/identities/\(name)", ["generationId": .string(generations[name] ?? ""), "managedBy": "IotEdge"])
            if let generation = result.2.body["generationId"]?.stringValue { generations[name] = generation }
            return result
        case "deleteIdentity":
            return await call(.DELETE, "/identities/\(try module())")
        case "listIdentities":
            return await call(.GET, "/identities")
        case "create":
            return await call(.POST, "/modules", try await spec(step, module(), generations: &generations))
        case "update":
            let start = step["start"]?.boolValue ?? true
            return await call(.PUT, "/modules/\(try module())?start=\(start)", try await spec(step, module(), generations: &generations))
        case "prepareUpdate":
            return await call(.POST, "/modules/\(try module())/prepareupdate", try await spec(step, module(), generations: &generations))
        case "start", "stop", "restart":
            return await call(.POST, "/modules/\(try module())/\(op)")
        case "get":
            return await call(.GET, "/modules/\(try module())")
        case "remove":
            return await call(.DELETE, "/modules/\(try module())")
        case "list":
            return await call(.GET, "/modules")
        case "systemInfo":
            return await call(.GET, "/systeminfo")
        case "waitFor":
            let name = try module()
            guard let wanted = step["status"]?.stringValue else { throw ModuleError("waitFor needs a \"status\"") }
            let deadline = ContinuousClock.now + .seconds(step["seconds"]?.doubleValue ?? 30)
            var last = await call(.GET, "/modules/\(name)")
            while last.2.body["status"]?["runtimeStatus"]?["status"]?.stringValue != wanted, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(200))
                last = await call(.GET, "/modules/\(name)")
            }
            if last.2.body["status"]?["runtimeStatus"]?["status"]?.stringValue != wanted {
                return (last.0, last.1, .init(status: 0, body: ["message": .string("\(name) is not \(wanted)"), "last": last.2.body]))
            }
            return last
        case "waitForOutput":
            let name = try module()
            guard let wanted = step["text"]?.stringValue else { throw ModuleError("waitForOutput needs a \"text\"") }
            let count = Int(step["count"]?.intValue ?? 1)
            let deadline = ContinuousClock.now + .seconds(step["seconds"]?.doubleValue ?? 30)
            let path = "/modules/\(name)/logs?tail=all"
            while true {
                let (status, body) = await management.raw(.GET, path)
                let found = DockerLogText.text(of: body).components(separatedBy: wanted).count - 1
                if status == 200 && found >= count {
                    return (HTTPMethod.GET.rawValue, path, .init(status: status, body: ["found": .int(Int64(found))]))
                }
                if ContinuousClock.now >= deadline {
                    let message = "\(name)'s output holds \(found) of \(count) \"\(wanted)\" (status \(status))"
                    return (HTTPMethod.GET.rawValue, path, .init(status: 0, body: ["message": .string(message)]))
                }
                try await Task.sleep(for: .milliseconds(200))
            }
        case "sleep":
            try await Task.sleep(for: .seconds(step["seconds"]?.doubleValue ?? 1))
            return (nil, "", .init(status: 200, body: .null))
        default:
            throw ModuleError("unknown op \(op)")
        }
    }

    /// The module spec edgeAgent would send for `step` (spec edgeagent §3: env injected after the deployment's env,
    /// the workload socket bound into the container).
    private func spec(_ step: JSONObject, _ name: String, generations: inout [String: String]) async throws -> JSONValue {
        guard let image = step["image"]?.stringValue else { throw ModuleError("step \(step["op"] ?? "") needs an \"image\"") }
        var env: [(String, String)] = []
        for (key, value) in step["env"]?.objectValue?.pairs ?? [] {
            env.append((key, value.stringValue ?? value.jsonString))
        }
        if generations[name] == nil {
            let identities = await management.call(.GET, "/identities")
            for identity in identities.body["identities"]?.arrayValue ?? [] where identity["moduleId"]?.stringValue == name {
                generations[name] = identity["generationId"]?.stringValue
            }
        }
        let workloadURI = environment["IOTEDGE_WORKLOADURI"] ?? "unix:///var/run/iotedge/workload.sock"
        let injected: [(String, String?)] = [
            ("IOTEDGE_WORKLOADURI", workloadURI),
            ("IOTEDGE_AUTHSCHEME", "sasToken"),
            ("IOTEDGE_MODULEGENERATIONID", generations[name]),
            ("IOTEDGE_IOTHUBHOSTNAME", environment["IOTEDGE_IOTHUBHOSTNAME"]),
            ("IOTEDGE_GATEWAYHOSTNAME", environment["EdgeDeviceHostName"]),
            ("IOTEDGE_DEVICEID", environment["IOTEDGE_DEVICEID"]),
            ("IOTEDGE_MODULEID", name),
            ("IOTEDGE_APIVERSION", environment["IOTEDGE_APIVERSION"]),
        ]
        for case let (key, value?) in injected where !env.contains(where: { $0.0 == key }) {
            env.append((key, value))
        }

        var createOptions = step["createOptions"]?.objectValue ?? JSONObject()
        if let cmd = step["cmd"] { createOptions["Cmd"] = cmd }
        if workloadURI.hasPrefix("unix://"), let mnt = environment["IOTEDGE_WORKLOADLISTEN_MNTURI"], mnt.hasPrefix("unix://") {
            var hostConfig = createOptions["HostConfig"]?.objectValue ?? JSONObject()
            var binds = hostConfig["Binds"]?.arrayValue ?? []
            binds.append(.string("\(mnt.dropFirst("unix://".count))/\(name).sock:\(workloadURI.dropFirst("unix://".count))"))
            hostConfig["Binds"] = .array(binds)
            createOptions["HostConfig"] = .object(hostConfig)
        }
        return [
            "name": .string(name),
            "type": "docker",
            "imagePullPolicy": step["pull"] ?? "on-create",
            "config": [
                "settings": ["image": .string(image), "createOptions": .object(createOptions)],
                "env": .array(env.map { ["key": .string($0.0), "value": .string($0.1)] }),
            ],
        ]
    }
}
