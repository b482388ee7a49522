import Foundation
import IoTHubProtocol
import UnixSocketHTTP

/// edgeAgent's module spec as edged creates it from `[agent]` (§4.5): the configured image, createOptions and env,
/// plus the sockets, network, labels and `IOTEDGE_*` environment the agent needs.
public struct AgentBootstrap: Sendable {
    public var configuration: EdgedConfiguration

    public init(configuration: EdgedConfiguration) {
        self.configuration = configuration
    }

    /// The spec for `device`, with `generationId` from identityd (`$edgeAgent`).
    public func spec(device: AziotIdentity, generationId: String) -> ModuleSpec {
        let agent = configuration.agent
        var config = agent.config
        config.image = Self.resolveUpstream(config.image, gateway: device.gatewayHost)
        if var auth = config.auth, let server = auth["serveraddress"]?.stringValue {
            auth["serveraddress"] = .string(Self.resolveUpstream(server, gateway: device.gatewayHost))
            config.auth = auth
        }
        var options = config.createOptions ?? JSONObject()
        var host = options["HostConfig"]?.objectValue ?? JSONObject()
        var binds = (host["Binds"]?.arrayValue ?? []).compactMap(\.stringValue)
        if let management = Self.unixPath(configuration.connect.managementURI) {
            let bind = "\(management):\(management)"
            if !binds.contains(bind) { binds.append(bind) }
        }
        host["Binds"] = .array(binds.map { .string($0) })
        options["HostConfig"] = .object(host)
        let network = configuration.moby.network.name
        var networking = options["NetworkingConfig"]?.objectValue ?? JSONObject()
        var endpoints = networking["EndpointsConfig"]?.objectValue ?? JSONObject()
        if endpoints[network] == nil { endpoints[network] = .object(JSONObject()) }
        networking["EndpointsConfig"] = .object(endpoints)
        options["NetworkingConfig"] = .object(networking)
        var labels = options["Labels"]?.objectValue ?? JSONObject()
        labels[ModuleLabels.createOptions] = "{}"
        labels[ModuleLabels.env] = "{}"
        options["Labels"] = .object(labels)
        config.createOptions = options

        var env = agent.env
        func set(_ key: String, _ value: String) {
            env.removeAll { $0.key == key }
            env.append(ModuleEnvVar(key: key, value: value))
        }
        set("NetworkId", network)
        set("EdgeDeviceHostName", configuration.hostname)
        set("IOTEDGE_APIVERSION", EdgeletAPIVersion.latest.rawValue)
        set("IOTEDGE_AUTHSCHEME", "sasToken")
        set("IOTEDGE_DEVICEID", device.deviceId)
        set("IOTEDGE_IOTHUBHOSTNAME", device.hubName)
        if device.gatewayHost.lowercased() != device.hubName.lowercased() { set("IOTEDGE_GATEWAYHOSTNAME", device.gatewayHost) }
        set("IOTEDGE_MODULEID", "$edgeAgent")
        set("IOTEDGE_MODULEGENERATIONID", generationId)
        set("IOTEDGE_WORKLOADURI", configuration.connect.workloadURI)
        set("IOTEDGE_MANAGEMENTURI", configuration.connect.managementURI)
        set("IOTEDGE_WORKLOADLISTEN_MNTURI", "unix://\(Self.canonical(configuration.homedir))/mnt")
        set("Mode", "iotedged")
        return ModuleSpec(name: agent.name, type: agent.type, imagePullPolicy: agent.imagePullPolicy, config: config, env: env)
    }

    /// `$upstream/azureiotedge-agent:1.6` → `<gateway>/azureiotedge-agent:1.6`.
    static func resolveUpstream(_ text: String, gateway: String) -> String {
        guard text.hasPrefix("$upstream") else { return text }
        return gateway + text.dropFirst("$upstream".count)
    }

    /// The path of a `unix://` URI, nil for other schemes.
    static func unixPath(_ uri: String) -> String? {
        guard uri.hasPrefix("unix://") else { return nil }
        return String(uri.dropFirst("unix://".count))
    }

    /// The path with symbolic links resolved when it exists.
    static func canonical(_ path: String) -> String {
        (path as NSString).resolvingSymlinksInPath
    }
}
