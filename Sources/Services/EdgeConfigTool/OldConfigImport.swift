import AziotConfig
import TOMLConfig
import Yams

/// `iotedge config import`: an IoT Edge 1.1 `config.yaml` as a super-config.
///
/// Maps provisioning (manual by connection string or X.509, DPS by symmetric key, X.509 or TPM; external is an
/// error), the reprovisioning flags, `certificates` (device CA → preloaded `[edge_ca]`, trusted CAs →
/// `trust_bundle_cert`, else a quickstart CA with `auto_generated_ca_lifetime_days`), `agent`, `hostname`,
/// `parent_hostname`, `connect`, `listen` (1.1's socket-activation names become aziot-edged's), `moby_runtime` and
/// `watchdog`. `homedir` is dropped (the new one is fixed). Errors name the YAML key path.
public enum OldConfigImport {
    /// Where IoT Edge 1.1 kept its master encryption key.
    public static let defaultMasterKeyPath =
        "/var/lib/iotedge/hsm/enc_keys/edgelet-masterWt5mT2xpO72EPKlt2Tt0Sq4uJCrMvfl2rzzKRB3pnyo_.enc.key"

    /// 1.1's systemd socket names and the ones aziot-edged's units use.
    static let listenSocketNames = [
        "fd://iotedge.mgmt.socket": "fd://aziot-edged.mgmt.socket",
        "fd://iotedge.socket": "fd://aziot-edged.workload.socket",
    ]

    /// Translates the YAML text. `masterKeyPath` is the 1.1 master key file when it exists (it becomes
    /// `imported_master_encryption_key`).
    public static func superConfig(yaml text: String, source: String, masterKeyPath: String?) throws(ToolError) -> SuperConfigDocument {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw ToolError("could not parse \(source): \(error)")
        }
        guard let root, case .mapping = root else { throw ToolError("could not parse \(source): expected a YAML mapping at the top level") }
        let config = YAMLReader(node: root, path: "")

        let provisioning = try config.required("provisioning")
        let (provisioningTable, mode) = try self.provisioning(provisioning)
        var document = SuperConfigDocument(provisioning: provisioningTable, autoReprovisioningMode: mode)
        document.hostname = try config.required("hostname").string()
        document.parentHostname = try config.optional("parent_hostname")?.string()
        document.importedMasterEncryptionKey = masterKeyPath

        // Certificates: a device CA is preloaded; otherwise a quickstart CA.
        var lifetime = EdgeSettings.EdgeCA.defaultExpiryDays
        var edgeCA: ConfigTable?
        if let certificates = try config.optional("certificates") {
            if let days = try certificates.optional("auto_generated_ca_lifetime_days") {
                lifetime = try days.integer()
                guard lifetime > 0 else { throw days.invalid("must be greater than 0") }
            }
            let cert = try certificates.optional("device_ca_cert")
            let key = try certificates.optional("device_ca_pk")
            switch (cert, key) {
            case (let cert?, let key?):
                edgeCA = ConfigTable([("cert", .string(try fileURL(cert))), ("pk", .string(try fileURL(key)))])
            case (nil, nil):
                break
            case (nil, _?):
                throw ToolError("certificates.device_ca_cert: missing (device_ca_pk is set)")
            case (_?, nil):
                throw ToolError("certificates.device_ca_pk: missing (device_ca_cert is set)")
            }
            if let trusted = try certificates.optional("trusted_ca_certs") { document.trustBundleCert = try fileURL(trusted) }
        }
        document.edgeCA = edgeCA ?? ConfigTable([("auto_generated_edge_ca_expiry_days", .integer(lifetime))])

        if let agent = try config.optional("agent") { document.agent = try self.agent(agent) }
        if let connect = try config.optional("connect") {
            document.connect = (
                try connect.optional("workload_uri")?.string() ?? document.connect.workload,
                try connect.optional("management_uri")?.string() ?? document.connect.management
            )
        }
        if let listen = try config.optional("listen") {
            document.listen = (
                try listenURI(listen, "workload_uri") ?? document.listen.workload,
                try listenURI(listen, "management_uri") ?? document.listen.management
            )
        }
        if let moby = try config.optional("moby_runtime") { document.mobyRuntime = try mobyRuntime(moby) }
        if let watchdog = try config.optional("watchdog"), let retries = try watchdog.optional("max_retries") {
            if let count = retries.node.int, retries.isTagged(.int) {
                guard count >= 0 else { throw retries.invalid("must not be negative") }
                document.watchdogMaxRetries = .integer(count)
            } else if try retries.string().lowercased() == "infinite" {
                document.watchdogMaxRetries = .string("infinite")
            } else {
                throw retries.invalid("expected \"infinite\" or a number of retries")
            }
        }
        return document
    }

    // MARK: Provisioning

    private static func provisioning(_ reader: YAMLReader) throws(ToolError) -> (ConfigTable, String) {
        let source = try reader.required("source").string()
        let dynamic = try reader.optional("dynamic_reprovisioning")?.boolean() ?? false
        let always = try reader.optional("always_reprovision_on_startup")?.boolean() ?? false
        let mode = dynamic ? "Dynamic" : always ? "AlwaysOnStartup" : "OnErrorOnly"
        switch source {
        case "manual":
            var connectionString: YAMLReader?
            if let direct = try reader.optional("device_connection_string") { connectionString = direct }
            let authentication = try reader.optional("authentication")
            if let authentication {
                let method = try authentication.required("method")
                let methodName = try method.string()
                switch methodName {
                case "device_connection_string":
                    connectionString = try authentication.required("device_connection_string")
                case "x509":
                    let auth = ConfigTable([
                        ("method", .string("x509")),
                        ("identity_cert", .string(try authentication.required("identity_cert").string())),
                        ("identity_pk", .string(try authentication.required("identity_pk").string())),
                    ])
                    let table = ConfigTable([
                        ("source", .string("manual")),
                        ("iothub_hostname", .string(try authentication.required("iothub_hostname").string())),
                        ("device_id", .string(try authentication.required("device_id").string())),
                        ("authentication", .table(auth)),
                    ])
                    return (table, mode)
                default:
                    throw method.invalid("expected \"device_connection_string\" or \"x509\", found \"\(methodName)\"")
                }
            }
            guard let connectionString else {
                throw ToolError("provisioning.device_connection_string: missing required key (or provisioning.authentication)")
            }
            let parsed: ManualConnectionString
            let text = try connectionString.string()
            do {
                parsed = try ManualConnectionString(parsing: text)
            } catch {
                throw connectionString.invalid("connection string is invalid: \(error.message)")
            }
            let auth = ConfigTable([
                ("method", .string("sas")),
                ("device_id_pk", .table(ConfigTable([("value", .string(Base64.encode(parsed.key)))]))),
            ])
            let table = ConfigTable([
                ("source", .string("manual")),
                ("iothub_hostname", .string(parsed.hostName)),
                ("device_id", .string(parsed.deviceID)),
                ("authentication", .table(auth)),
            ])
            return (table, mode)

        case "dps":
            let endpointReader = try reader.required("global_endpoint")
            var endpoint = try endpointReader.string()
            do {
                _ = try ConfigURL(parsing: endpoint)
            } catch {
                throw endpointReader.invalid(error.description)
            }
            // The URL as the reference normalises it: a bare host gets its "/" path.
            if let schemeEnd = endpoint.firstRange(of: "://"), !endpoint[schemeEnd.upperBound...].contains("/") { endpoint += "/" }
            let scope = try reader.required("scope_id").string()
            let attestationReader = try reader.required("attestation")
            let method = try attestationReader.required("method")
            let methodName = try method.string()
            var attestation = ConfigTable()
            switch methodName {
            case "symmetric_key":
                attestation["method"] = .string("symmetric_key")
                attestation["registration_id"] = .string(try attestationReader.required("registration_id").string())
                let key = try attestationReader.required("symmetric_key")
                guard Base64.decode(try key.string()) != nil else { throw key.invalid("not valid base64") }
                attestation["symmetric_key"] = .table(ConfigTable([("value", .string(try key.string()))]))
            case "x509":
                attestation["method"] = .string("x509")
                if let registration = try attestationReader.optional("registration_id") {
                    attestation["registration_id"] = .string(try registration.string())
                }
                attestation["identity_cert"] = .string(try attestationReader.required("identity_cert").string())
                attestation["identity_pk"] = .string(try attestationReader.required("identity_pk").string())
            case "tpm":
                attestation["method"] = .string("tpm")
                attestation["registration_id"] = .string(try attestationReader.required("registration_id").string())
            default:
                throw method.invalid("expected \"symmetric_key\", \"x509\" or \"tpm\", found \"\(methodName)\"")
            }
            let table = ConfigTable([
                ("source", .string("dps")),
                ("global_endpoint", .string(endpoint)),
                ("id_scope", .string(scope)),
                ("attestation", .table(attestation)),
            ])
            return (table, mode)

        case "external":
            throw ToolError("provisioning.source: external provisioning is not supported.")
        default:
            throw reader.child("source").invalid("expected \"manual\", \"dps\" or \"external\", found \"\(source)\"")
        }
    }

    // MARK: Other sections

    private static func agent(_ reader: YAMLReader) throws(ToolError) -> ConfigTable {
        let config = try reader.required("config")
        var configTable = ConfigTable([("image", .string(try config.required("image").string()))])
        if let options = try config.optional("createOptions") {
            guard case .table(let table) = try tomlValue(options) else { throw options.invalid("expected a mapping of Docker create options") }
            configTable["createOptions"] = .table(table)
        } else {
            configTable["createOptions"] = .table(ConfigTable())
        }
        var auth = ConfigTable()
        if let authReader = try config.optional("auth") {
            for key in ["username", "password", "serveraddress"] {
                if let value = try authReader.optional(key) { auth[key] = .string(try value.string()) }
            }
        }
        configTable["auth"] = .table(auth)
        var env = ConfigTable()
        if let envReader = try reader.optional("env") {
            for (key, value) in try envReader.pairs() { env[key] = .string(try value.scalarText()) }
        }
        var pullPolicy = "on-create"
        if let policy = try reader.optional("imagePullPolicy") {
            pullPolicy = try policy.string()
            guard pullPolicy == "on-create" || pullPolicy == "never" else {
                throw policy.invalid("expected \"on-create\" or \"never\", found \"\(pullPolicy)\"")
            }
        }
        return ConfigTable([
            ("name", .string(try reader.optional("name")?.string() ?? "edgeAgent")),
            ("type", .string(try reader.optional("type")?.string() ?? "docker")),
            ("imagePullPolicy", .string(pullPolicy)),
            ("config", .table(configTable)),
            ("env", .table(env)),
        ])
    }

    /// A `listen` URI with 1.1's socket unit names replaced by aziot-edged's; other `fd://` names are errors.
    private static func listenURI(_ listen: YAMLReader, _ key: String) throws(ToolError) -> String? {
        guard let reader = try listen.optional(key) else { return nil }
        let uri = try reader.string()
        if let mapped = listenSocketNames[uri] { return mapped }
        if uri.hasPrefix("fd://") { throw reader.invalid("unexpected value \(uri): only fd://iotedge.mgmt.socket and fd://iotedge.socket can be mapped") }
        return uri
    }

    private static func mobyRuntime(_ reader: YAMLReader) throws(ToolError) -> ConfigTable {
        var table = ConfigTable([("uri", .string(try reader.optional("uri")?.string() ?? "unix:///var/run/docker.sock"))])
        guard let network = try reader.optional("network") else {
            table["network"] = .string("azure-iot-edge")
            return table
        }
        switch network.node {
        case .scalar:
            table["network"] = .string(try network.string())
        default:
            var networkTable = ConfigTable([("name", .string(try network.optional("name")?.string() ?? "azure-iot-edge"))])
            if let ipv6 = try network.optional("ipv6") { networkTable["ipv6"] = .boolean(try ipv6.boolean()) }
            if let ipam = try network.optional("ipam"), let configs = try ipam.optional("config") {
                var entries: [ConfigValue] = []
                for entry in try configs.items() {
                    var config = ConfigTable()
                    for key in ["gateway", "subnet", "ip_range"] {
                        if let value = try entry.optional(key) { config[key] = .string(try value.string()) }
                    }
                    entries.append(.table(config))
                }
                networkTable["ipam"] = .table(ConfigTable([("config", .array(entries))]))
            }
            table["network"] = .table(networkTable)
        }
        return table
    }

    /// A path (or a `file://` URL) as a file URL.
    private static func fileURL(_ reader: YAMLReader) throws(ToolError) -> String {
        let text = try reader.string()
        if text.hasPrefix("file://") { return text }
        guard text.hasPrefix("/") else { throw reader.invalid("expected an absolute path, found \"\(text)\"") }
        return ConfigURL.fileURL(path: text)
    }

    /// A YAML value as TOML (mappings as tables in document order; nulls are errors: TOML has none).
    static func tomlValue(_ reader: YAMLReader) throws(ToolError) -> ConfigValue {
        switch reader.node {
        case .scalar(let scalar):
            if scalar.style == .plain {
                if reader.isTagged(.bool), let flag = reader.node.bool { return .boolean(flag) }
                if reader.isTagged(.int), let number = reader.node.int { return .integer(number) }
                if reader.isTagged(.float), let number = reader.node.float { return .float(number) }
                if reader.isTagged(.null) { throw reader.invalid("null has no TOML equivalent") }
            }
            return .string(scalar.string)
        case .mapping:
            var table = ConfigTable()
            for (key, value) in try reader.pairs() { table[key] = try tomlValue(value) }
            return .table(table)
        case .sequence:
            var items: [ConfigValue] = []
            for item in try reader.items() { items.append(try tomlValue(item)) }
            return .array(items)
        }
    }
}

/// A YAML node with its key path, for errors.
struct YAMLReader {
    let node: Node
    let path: String

    func child(_ key: String) -> YAMLReader {
        YAMLReader(node: node[key] ?? Node(""), path: path.isEmpty ? key : "\(path).\(key)")
    }

    func invalid(_ reason: String) -> ToolError { ToolError("\(path): \(reason)") }

    func optional(_ key: String) throws(ToolError) -> YAMLReader? {
        guard case .mapping(let mapping) = node else { throw invalid("expected a mapping") }
        guard let value = mapping[key] else { return nil }
        if case .scalar = value, value.tag.description == Tag.Name.null.rawValue { return nil }
        return YAMLReader(node: value, path: path.isEmpty ? key : "\(path).\(key)")
    }

    func required(_ key: String) throws(ToolError) -> YAMLReader {
        guard let value = try optional(key) else { throw ToolError("\(path.isEmpty ? key : "\(path).\(key)"): missing required key") }
        return value
    }

    /// Whether the node's resolved tag is `name` (plain `3` is an int, `'3'` a string).
    func isTagged(_ name: Tag.Name) -> Bool { node.tag.description == name.rawValue }

    func string() throws(ToolError) -> String {
        guard case .scalar(let scalar) = node else { throw invalid("expected a string") }
        return scalar.string
    }

    /// A scalar's text whatever its type (environment values may be numbers or booleans).
    func scalarText() throws(ToolError) -> String { try string() }

    func boolean() throws(ToolError) -> Bool {
        guard case .scalar = node, let flag = node.bool else { throw invalid("expected true or false") }
        return flag
    }

    func integer() throws(ToolError) -> Int {
        guard case .scalar = node, let number = node.int else { throw invalid("expected an integer") }
        return number
    }

    func pairs() throws(ToolError) -> [(String, YAMLReader)] {
        guard case .mapping(let mapping) = node else { throw invalid("expected a mapping") }
        var result: [(String, YAMLReader)] = []
        for (key, value) in mapping {
            guard case .scalar(let scalar) = key else { throw invalid("keys must be strings") }
            result.append((scalar.string, YAMLReader(node: value, path: path.isEmpty ? scalar.string : "\(path).\(scalar.string)")))
        }
        return result
    }

    func items() throws(ToolError) -> [YAMLReader] {
        guard case .sequence(let sequence) = node else { throw invalid("expected a list") }
        return sequence.enumerated().map { YAMLReader(node: $0.element, path: "\(path)[\($0.offset)]") }
    }
}
