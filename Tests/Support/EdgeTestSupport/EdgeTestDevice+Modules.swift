public import DockerClient
public import EdgeDaemon
import Foundation
public import IoTHubProtocol

extension EdgeTestDevice {
    /// A module name unique to this device.
    public func moduleName(_ base: String) -> String { "\(base)-\(instance)" }

    /// A module spec with the test image running a shell that prints `output` and waits (host networking, the
    /// host's root at /host so the tests can run curl inside it).
    public static func moduleSpec(
        _ name: String, output: String = "echo started", env: [String: String] = ["MY_VAR": "1"], pull: String = "on-create", binds: [String] = ["/:/host:ro"]
    ) -> String {
        let script = "\(output); trap 'exit 0' TERM; while true; do sleep 1; done"
        let scriptJSON = JSONValue.string(script).jsonString
        let envJSON = env.sorted { $0.key < $1.key }.map { #"{"key":"\#($0.key)","value":"\#($0.value)"}"# }.joined(separator: ",")
        return #"{"name":"\#(name)","type":"docker","imagePullPolicy":"\#(pull)","config":{"settings":{"image":"\#(image)","createOptions":{"Cmd":["sh","-c",\#(scriptJSON)],"HostConfig":{"NetworkMode":"host","Binds":\#(JSONValue.array(binds.map { .string($0) }).jsonString)}}},"env":[\#(envJSON)]}}"#
    }

    /// A management API request made from inside the agent container (so that edged sees edgeAgent's pid).
    public func asAgent(_ method: String, _ path: String, json: String? = nil) async throws -> CurlResult {
        try await curlInContainer(agentName, managementSocket, method, path, json: json)
    }

    /// A management API request from the host (not in any container).
    public func asHost(_ method: String, _ path: String, json: String? = nil) async throws -> CurlResult {
        try await curl(managementSocket, method, path, json: json)
    }

    public var client: ManagementClient { ManagementClient(socketPath: managementSocket) }

    public func inspectEnv(_ container: ContainerInspect) -> [String: String] {
        Dictionary(container.config.env.compactMap { entry -> (String, String)? in
            guard let equals = entry.firstIndex(of: "=") else { return nil }
            return (String(entry[..<equals]), String(entry[entry.index(after: equals)...]))
        }) { $1 }
    }
}

public func json(_ text: String) throws -> JSONValue { try JSONValue(parsing: text) }
