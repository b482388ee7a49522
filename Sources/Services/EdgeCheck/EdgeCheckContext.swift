import DockerClient
import EdgeDaemon
import Foundation
import IoTHubProtocol

/// What the checks learn as they run, for the checks after them.
struct EdgeCheckContext {
    let options: IotedgeCheckOptions
    let environment: [String: String]

    /// From `aziotctl check`'s `additional_info` (or `--iothub-hostname`).
    var iothubHostname: String?
    var localGatewayHostname: String?

    /// Parsed by `aziot-edged-config-well-formed`; nil when missing or malformed.
    var settings: EdgedConfiguration?
    /// Set by `container-engine-uri` once the engine answered.
    var docker: DockerClient?
    var dockerVersion: String?
    /// Set by `aziot-edge-version`.
    var edgedVersion: String?

    init(options: IotedgeCheckOptions, environment: [String: String]) {
        self.options = options
        self.environment = environment
        iothubHostname = options.iothubHostname
    }

    /// The super-config `config apply` reads (`AZIOTCTL_CONFIG`, as aziotctl).
    var superConfigPath: String { environment["AZIOTCTL_CONFIG"] ?? "/etc/aziot/config.toml" }

    /// The host modules connect to: the parent in a nested setup, else the IoT Hub.
    var upstreamHostname: String? { localGatewayHostname ?? iothubHostname }

    /// The agent's environment (`[agent.env]`), by name.
    func agentEnvironment(_ name: String) -> String? {
        settings?.agent.env.first { $0.key == name }?.value
    }

    /// The `docker` command-line equivalent of an engine call, for messages.
    var mobyURI: String { settings?.moby.uri ?? "unix:///var/run/docker.sock" }

    static let requestTimeout = Duration.seconds(10)

    /// How long a connectivity probe may take (`AZIOTCTL_CONNECT_TIMEOUT_SEC`, as aziotctl; default 20 s).
    var connectTimeout: Duration {
        if let text = environment["AZIOTCTL_CONNECT_TIMEOUT_SEC"], let seconds = Int(text), seconds > 0 { return .seconds(seconds) }
        return .seconds(20)
    }
}
