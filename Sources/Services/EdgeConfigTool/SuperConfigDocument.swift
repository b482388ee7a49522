public import TOMLConfig

/// A super-config written by `iotedge config mp` or `config import`: the settings those commands decide, the
/// others at their defaults, laid out like the reference's (top-level keys, `[provisioning]`, the identity
/// service's empty sections, `[agent]`, `[connect]`, `[listen]`, `[watchdog]`, `[edge_ca]`, `[moby_runtime]`).
public struct SuperConfigDocument: Sendable, Equatable {
    public var trustBundleCert: String?
    public var autoReprovisioningMode: String
    public var importedMasterEncryptionKey: String?
    public var hostname: String?
    public var parentHostname: String?
    /// The `[provisioning]` table.
    public var provisioning: ConfigTable
    /// The `[agent]` table.
    public var agent: ConfigTable
    public var connect: (workload: String, management: String)
    public var listen: (workload: String, management: String)
    /// `"infinite"` or a number.
    public var watchdogMaxRetries: ConfigValue
    /// The `[edge_ca]` table, or nil to leave the section out.
    public var edgeCA: ConfigTable?
    /// The `[moby_runtime]` table.
    public var mobyRuntime: ConfigTable

    public init(provisioning: ConfigTable, autoReprovisioningMode: String = "Dynamic") {
        trustBundleCert = nil
        self.autoReprovisioningMode = autoReprovisioningMode
        importedMasterEncryptionKey = nil
        hostname = nil
        parentHostname = nil
        self.provisioning = provisioning
        agent = Self.defaultAgent
        connect = ("unix:///var/run/iotedge/workload.sock", "unix:///var/run/iotedge/mgmt.sock")
        listen = ("fd://aziot-edged.workload.socket", "fd://aziot-edged.mgmt.socket")
        watchdogMaxRetries = .string("infinite")
        edgeCA = nil
        mobyRuntime = ConfigTable([("uri", .string("unix:///var/run/docker.sock")), ("network", .string("azure-iot-edge"))])
    }

    /// The agent a fresh configuration runs: edgeAgent 1.6 from MCR.
    public static let defaultAgent = ConfigTable([
        ("name", .string("edgeAgent")),
        ("type", .string("docker")),
        ("imagePullPolicy", .string("on-create")),
        ("config", .table(ConfigTable([("image", .string("mcr.microsoft.com/azureiotedge-agent:1.6")), ("createOptions", .table(ConfigTable())), ("auth", .table(ConfigTable()))]))),
        ("env", .table(ConfigTable())),
    ])

    public static func == (lhs: SuperConfigDocument, rhs: SuperConfigDocument) -> Bool { lhs.table == rhs.table }

    public var table: ConfigTable {
        var table = ConfigTable()
        if let trustBundleCert { table["trust_bundle_cert"] = .string(trustBundleCert) }
        table["auto_reprovisioning_mode"] = .string(autoReprovisioningMode)
        if let importedMasterEncryptionKey { table["imported_master_encryption_key"] = .string(importedMasterEncryptionKey) }
        if let hostname { table["hostname"] = .string(hostname) }
        if let parentHostname { table["parent_hostname"] = .string(parentHostname) }
        table["prefer_module_identity_cache"] = .boolean(false)
        table["provisioning"] = .table(provisioning)
        for section in ["aziot_keys", "preloaded_keys", "cert_issuance", "preloaded_certs", "tpm"] { table[section] = .table(ConfigTable()) }
        table["agent"] = .table(agent)
        table["connect"] = .table(ConfigTable([("workload_uri", .string(connect.workload)), ("management_uri", .string(connect.management))]))
        table["listen"] = .table(ConfigTable([("workload_uri", .string(listen.workload)), ("management_uri", .string(listen.management))]))
        table["watchdog"] = .table(ConfigTable([("max_retries", watchdogMaxRetries)]))
        if let edgeCA { table["edge_ca"] = .table(edgeCA) }
        table["moby_runtime"] = .table(mobyRuntime)
        return table
    }

    /// The document as TOML text.
    public var text: String { TOMLWriter.write(table) }
}
