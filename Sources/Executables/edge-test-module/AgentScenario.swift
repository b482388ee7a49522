import Foundation
import IoTHubProtocol

/// What the stand-in agent does, in order: `{"steps": [{"op": "create", "module": "m", …}, …]}` (a bare array of
/// steps is accepted too). Ops and their fields:
///
/// | op | fields | request |
/// |---|---|---|
/// | `createIdentity` | `module`, `managedBy`? | POST /identities |
/// | `updateIdentity` / `deleteIdentity` | `module` | PUT / DELETE /identities/{module} |
/// | `listIdentities` | | GET /identities |
/// | `create` | `module`, `image`, `cmd`?, `env`? (object), `createOptions`?, `pull`? | POST /modules |
/// | `update` | the same, `start`? (default true) | PUT /modules/{module}?start= |
/// | `prepareUpdate` | the same | POST /modules/{module}/prepareupdate |
/// | `start` / `stop` / `restart` | `module` | POST /modules/{module}/{op} |
/// | `get` / `remove` | `module` | GET / DELETE /modules/{module} |
/// | `list` | | GET /modules |
/// | `systemInfo` | | GET /systeminfo |
/// | `waitFor` | `module`, `status`, `seconds`? (default 30) | GET /modules/{module} until its status is `status` |
/// | `waitForOutput` | `module`, `text`, `count`? (1), `seconds`? (30) | GET /modules/{module}/logs until `text` appears `count` times |
/// | `sleep` | `seconds` | — |
///
/// Module specs are made as edgeAgent makes them: the step's env plus the `IOTEDGE_*` variables (the generation id
/// of the identity this run created, or else the one the identity list gives) and the bind of the module's workload
/// socket.
struct AgentScenario: Sendable {
    var steps: [JSONObject]

    /// `argument` is the scenario's JSON itself when it starts with `{` or `[`, otherwise the path of a file holding it.
    static func load(_ argument: String) throws -> AgentScenario {
        let trimmed = argument.drop { $0 == " " || $0 == "\n" || $0 == "\t" }
        let text: String
        if trimmed.hasPrefix("{") || trimmed.hasPrefix("[") {
            text = argument
        } else {
            guard let data = FileManager.default.contents(atPath: argument) else {
                throw ModuleError("cannot read the scenario file \(argument)")
            }
            text = String(decoding: data, as: UTF8.self)
        }
        let json: JSONValue
        do {
            json = try JSONValue(parsing: text)
        } catch {
            throw ModuleError("the scenario is not JSON: \(error)")
        }
        let steps = json.arrayValue ?? json["steps"]?.arrayValue
        guard let steps else { throw ModuleError(#"a scenario is {"steps": [...]} or an array of steps"#) }
        return AgentScenario(
            steps: try steps.enumerated().map { index, step in
                guard let object = step.objectValue, object["op"]?.stringValue != nil else {
                    throw ModuleError("step \(index + 1) is not an object with an \"op\"")
                }
                return object
            })
    }
}
