import CheckReport

/// One built-in check: its stable id (for `--dont-run` and JSON), its description (for text), and how to run it.
struct EdgeCheckDefinition: Sendable {
    let id: String
    let description: String
    let run: @Sendable (inout EdgeCheckContext) async -> CheckOutcome
}

struct EdgeCheckSection: Sendable {
    let name: String
    let checks: [EdgeCheckDefinition]
}

/// `iotedge check`'s own checks, in the reference's order and with its ids (§6.7).
enum EdgeCheckCatalog {
    static let sections: [EdgeCheckSection] = [
        EdgeCheckSection(name: "Configuration checks", checks: [
            EdgeCheckDefinition(
                id: "aziot-edged-config-well-formed", description: "aziot-edged configuration is well-formed", run: ConfigurationChecks.wellFormed),
            EdgeCheckDefinition(id: "config-up-to-date", description: "configuration up-to-date with config.toml", run: ConfigurationChecks.upToDate),
            EdgeCheckDefinition(
                id: "container-engine-uri", description: "container engine is installed and functional", run: ConfigurationChecks.containerEngine),
            EdgeCheckDefinition(id: "parent_hostname", description: "configuration has correct parent_hostname", run: ConfigurationChecks.parentHostname),
            EdgeCheckDefinition(
                id: "container-resolve-parent-hostname", description: "parent hostname is resolvable", run: ConfigurationChecks.resolveParent),
            EdgeCheckDefinition(
                id: "connect-management-uri", description: "configuration has correct URIs for daemon mgmt endpoint",
                run: ConfigurationChecks.managementURI),
            EdgeCheckDefinition(id: "aziot-edge-version", description: "aziot-edge package is up-to-date", run: ConfigurationChecks.edgedVersion),
            EdgeCheckDefinition(id: "container-local-time", description: "container time is close to host time", run: ContainerEngineChecks.localTime),
            EdgeCheckDefinition(id: "container-engine-dns", description: "DNS server", run: ContainerEngineChecks.dns),
            EdgeCheckDefinition(id: "container-engine-ipv6", description: "IPv6 network configuration", run: ContainerEngineChecks.ipv6),
            EdgeCheckDefinition(
                id: "container-engine-logrotate", description: "production readiness: logs policy", run: ContainerEngineChecks.logRotation),
            EdgeCheckDefinition(
                id: "edge-agent-storage-mounted-from-host",
                description: "production readiness: Edge Agent's storage directory is persisted on the host filesystem",
                run: ContainerEngineChecks.storageMounted(agent: true)),
            EdgeCheckDefinition(
                id: "edge-hub-storage-mounted-from-host",
                description: "production readiness: Edge Hub's storage directory is persisted on the host filesystem",
                run: ContainerEngineChecks.storageMounted(agent: false)),
            EdgeCheckDefinition(
                id: "check-agent-image", description: "Agent image is valid and can be pulled from upstream", run: ContainerEngineChecks.agentImage),
            EdgeCheckDefinition(
                id: "proxy-settings", description: "proxy settings are consistent in aziot-edged, aziot-identityd, moby daemon and config.toml",
                run: ContainerEngineChecks.proxySettings),
        ]),
        EdgeCheckSection(name: "Connectivity checks", checks: [
            EdgeCheckDefinition(
                id: "container-default-connect-upstream-amqp", description: "container on the default network can connect to upstream AMQP port",
                run: ConnectivityChecks.upstream(.amqp, on: .defaultBridge)),
            EdgeCheckDefinition(
                id: "container-default-connect-upstream-https",
                description: "container on the default network can connect to upstream HTTPS / WebSockets port",
                run: ConnectivityChecks.upstream(.https, on: .defaultBridge)),
            EdgeCheckDefinition(
                id: "container-default-connect-upstream-mqtt", description: "container on the default network can connect to upstream MQTT port",
                run: ConnectivityChecks.upstream(.mqtt, on: .defaultBridge)),
            EdgeCheckDefinition(
                id: "container-connect-upstream-amqp", description: "container on the IoT Edge module network can connect to upstream AMQP port",
                run: ConnectivityChecks.upstream(.amqp, on: .edge)),
            EdgeCheckDefinition(
                id: "container-connect-upstream-https",
                description: "container on the IoT Edge module network can connect to upstream HTTPS / WebSockets port",
                run: ConnectivityChecks.upstream(.https, on: .edge)),
            EdgeCheckDefinition(
                id: "container-connect-upstream-mqtt", description: "container on the IoT Edge module network can connect to upstream MQTT port",
                run: ConnectivityChecks.upstream(.mqtt, on: .edge)),
        ]),
    ]

    static var allIDs: [String] { sections.flatMap { $0.checks.map(\.id) } }

    static var listing: [CheckListSection] {
        sections.map { section in CheckListSection(name: section.name, checks: section.checks.map { ($0.id, $0.description) }) }
    }
}
