import AziotConfig
public import ConfigFiles
import IoTHubProtocol
public import TOMLConfig

extension EdgedConfiguration {
    /// The files edged reads: `/etc/aziot/edged/config.toml` and `config.d`, or `AZIOT_EDGED_CONFIG(_DIR)`.
    public static func files(environment: [String: String]) -> ConfigFileSet {
        ConfigFileSet.aziotService("edged", environment: environment)
    }

    /// Loads and validates the merged files.
    public static func load(environment: [String: String]) throws(ConfigError) -> EdgedConfiguration {
        try EdgedConfiguration(try files(environment: environment).load())
    }

    /// Reads a merged table; every key must be known (``ConfigError/Code/unknownKeys`` lists the others).
    public init(_ table: ConfigTable) throws(ConfigError) {
        let reader = ConfigReader(table)
        self.init(hostname: try reader.required("hostname", reader.string))
        homedir = try reader.string("homedir") ?? homedir
        trustBundleCert = try reader.string("trust_bundle_cert")
        manifestTrustBundleCert = try reader.string("manifest_trust_bundle_cert")
        if let mode = try reader.string("auto_reprovisioning_mode") {
            guard let parsed = AutoReprovisioningMode(rawValue: mode) else {
                throw reader.invalid("auto_reprovisioning_mode", "expected \"Dynamic\", \"AlwaysOnStartup\" or \"OnErrorOnly\", found \"\(mode)\"")
            }
            autoReprovisioningMode = parsed
        }
        allowElevatedDockerPermissions = try reader.boolean("allow_elevated_docker_permissions") ?? true
        if let limits = try reader.table("iotedge_max_requests") {
            maxRequests = MaxRequests(
                management: try Self.positive(limits, "management") ?? 50,
                workload: try Self.positive(limits, "workload") ?? 10
            )
        }
        if let section = try reader.table("edge_ca") { edgeCA = try Self.edgeCA(section) }
        if let section = try reader.table("agent") { agent = try Self.agent(section) }
        if let section = try reader.table("connect") { connect = try Self.uris(section, defaults: .defaultConnect) }
        if let section = try reader.table("listen") {
            listen = try Self.uris(section, defaults: .defaultListen)
            _ = try section.string("min_tls_version")
        }
        if let section = try reader.table("watchdog"), let value = section.value("max_retries") {
            switch value {
            case .string(let text) where text.lowercased() == "infinite":
                watchdog = WatchdogSettings(maxRetries: nil)
            case .integer(let count) where count >= 0 && count <= Int(UInt32.max):
                watchdog = WatchdogSettings(maxRetries: count)
            default:
                throw section.invalid("max_retries", "expected \"infinite\" or a number of retries")
            }
        }
        if let section = try reader.table("endpoints") {
            endpoints = Endpoints(
                certd: try section.string("aziot_certd_url") ?? endpoints.certd,
                keyd: try section.string("aziot_keyd_url") ?? endpoints.keyd,
                identityd: try section.string("aziot_identityd_url") ?? endpoints.identityd
            )
        }
        additionalInfo = try reader.stringMap("additional_info") ?? []
        if let section = try reader.table("image_garbage_collection") { imageGarbageCollection = try Self.imageGC(section) }
        if let section = try reader.table("moby_runtime") { moby = try Self.moby(section) }
        try reader.finish()
    }

    private static func positive(_ reader: ConfigReader, _ key: String) throws(ConfigError) -> Int? {
        guard let value = try reader.integer(key) else { return nil }
        guard value > 0 else { throw reader.invalid(key, "must be greater than 0") }
        return value
    }

    private static func edgeCA(_ reader: ConfigReader) throws(ConfigError) -> EdgeCASettings {
        var settings = EdgeCASettings()
        settings.certId = try reader.string("cert") ?? settings.certId
        settings.keyId = try reader.string("key") ?? settings.keyId
        switch (try reader.string("common_name"), try reader.table("subject")) {
        case (.some, .some):
            throw reader.invalid("subject", "give either common_name or subject, not both")
        case (.some(let name), nil):
            settings.subject = .commonName(name)
        case (nil, .some(let table)):
            var attributes: [(name: String, value: String)] = []
            for name in table.table.keys { attributes.append((name, try table.required(name, table.string))) }
            guard !attributes.isEmpty else { throw reader.invalid("subject", "must name at least one attribute") }
            settings.subject = .attributes(attributes)
        case (nil, nil):
            break
        }
        if let renew = try reader.table("auto_renew") {
            var config = AutoRenewConfig.default
            config.rotateKey = try renew.boolean("rotate_key") ?? config.rotateKey
            for key in ["threshold", "retry"] {
                guard let text = try renew.string(key) else { continue }
                do {
                    let policy = try RenewalPolicy(parsing: text)
                    if key == "threshold" { config.threshold = policy } else { config.retry = policy }
                } catch {
                    throw renew.invalid(key, error.description)
                }
            }
            settings.autoRenew = config
        }
        return settings
    }

    private static func agent(_ reader: ConfigReader) throws(ConfigError) -> AgentSettings {
        var settings = AgentSettings()
        settings.name = try reader.string("name") ?? settings.name
        guard !settings.name.isEmpty else { throw reader.invalid("name", "must not be empty") }
        settings.type = try reader.string("type") ?? settings.type
        guard settings.type == "docker" else { throw reader.invalid("type", "only \"docker\" modules are supported") }
        if let policy = try reader.string("imagePullPolicy") {
            guard let parsed = ImagePullPolicy(parsing: policy) else {
                throw reader.invalid("imagePullPolicy", "expected \"on-create\" or \"never\", found \"\(policy)\"")
            }
            settings.imagePullPolicy = parsed
        }
        if let config = try reader.table("config") {
            let image = try config.required("image", config.string)
            guard !image.allSatisfy(\.isWhitespace) else { throw config.invalid("image", "must not be empty") }
            var docker = DockerConfig(image: image)
            if let options = config.value("createOptions") {
                guard case .table(let table) = options else { throw config.invalid("createOptions", "expected a table") }
                docker.createOptions = jsonObject(table)
            }
            if let auth = try config.table("auth") {
                var object = JSONObject()
                for key in ["serveraddress", "username", "password", "email"] {
                    if let value = try auth.string(key) { object[key] = .string(value) }
                }
                docker.auth = object
            }
            settings.config = docker
        }
        if let env = try reader.table("env") {
            settings.env = []
            for key in env.table.keys {
                guard let value = env.value(key) else { continue }
                // Numbers and booleans are written as strings, as the reference's string map coerces them.
                switch value {
                case .string(let text): settings.env.append(ModuleEnvVar(key: key, value: text))
                case .integer(let number): settings.env.append(ModuleEnvVar(key: key, value: String(number)))
                case .float(let number): settings.env.append(ModuleEnvVar(key: key, value: String(number)))
                case .boolean(let flag): settings.env.append(ModuleEnvVar(key: key, value: String(flag)))
                default: throw env.invalid(key, "expected a string")
                }
            }
        }
        return settings
    }

    /// A TOML table as the JSON object it mirrors (keys in file order).
    static func jsonObject(_ table: ConfigTable) -> JSONObject {
        JSONObject(table.entries.map { ($0.key, json($0.value)) })
    }

    static func json(_ value: ConfigValue) -> JSONValue {
        switch value {
        case .string(let text): .string(text)
        case .integer(let number): .int(Int64(number))
        case .float(let number): .double(number)
        case .boolean(let flag): .bool(flag)
        case .dateTime(let text): .string(text)
        case .array(let items): .array(items.map(json))
        case .table(let table): .object(jsonObject(table))
        }
    }

    private static func uris(_ reader: ConfigReader, defaults: SocketURIs) throws(ConfigError) -> SocketURIs {
        var uris = defaults
        for (key, path) in [("workload_uri", \SocketURIs.workloadURI), ("management_uri", \SocketURIs.managementURI)] {
            guard let text = try reader.string(key) else { continue }
            guard text.hasPrefix("unix://") || text.hasPrefix("fd://") || text.hasPrefix("http://") else {
                throw reader.invalid(key, "expected a unix://, fd:// or http:// URI, found \"\(text)\"")
            }
            uris[keyPath: path] = text
        }
        return uris
    }

    private static func imageGC(_ reader: ConfigReader) throws(ConfigError) -> ImageGarbageCollectionSettings {
        var settings = ImageGarbageCollectionSettings()
        settings.enabled = try reader.boolean("enabled") ?? true
        if let text = try reader.string("cleanup_recurrence") {
            guard let seconds = LogsTime.parseDuration(text), seconds >= 86_400, seconds.truncatingRemainder(dividingBy: 86_400) == 0 else {
                throw reader.invalid("cleanup_recurrence", "must be a whole number of days, at least 1 (\"1d\", \"2 days\"), found \"\(text)\"")
            }
            settings.cleanupRecurrenceDays = Int(seconds / 86_400)
        }
        if let text = try reader.string("image_age_cleanup_threshold") {
            guard let seconds = LogsTime.parseDuration(text), seconds >= 0 else {
                throw reader.invalid("image_age_cleanup_threshold", "expected a duration such as \"7d\" or \"12h\", found \"\(text)\"")
            }
            settings.imageAgeCleanupThreshold = Int(seconds)
        }
        if let text = try reader.string("cleanup_time") {
            let parts = text.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2, parts[0].count == 2, parts[1].count == 2, let hours = Int(parts[0]), let minutes = Int(parts[1]),
                (0..<24).contains(hours), (0..<60).contains(minutes)
            else {
                throw reader.invalid("cleanup_time", "expected a 24-hour time HH:MM such as \"00:00\" or \"23:30\", found \"\(text)\"")
            }
            settings.cleanupTimeMinutes = hours * 60 + minutes
        }
        return settings
    }

    private static func moby(_ reader: ConfigReader) throws(ConfigError) -> MobyRuntimeSettings {
        var settings = MobyRuntimeSettings()
        if let uri = try reader.string("uri") {
            guard uri.hasPrefix("unix://") else { throw reader.invalid("uri", "expected a unix:// URI of the engine's socket, found \"\(uri)\"") }
            settings.uri = uri
        }
        if let value = reader.table["network"] {
            switch value {
            case .string:
                let name = try reader.required("network", reader.string)
                settings.network = NetworkSettings(name: name.isEmpty ? "azure-iot-edge" : name)
            case .table:
                guard let table = try reader.table("network") else { break }
                var network = NetworkSettings(name: try table.string("name") ?? "azure-iot-edge")
                if network.name.isEmpty { network.name = "azure-iot-edge" }
                network.ipv6 = try table.boolean("ipv6")
                if let ipam = try table.table("ipam") {
                    for entry in try ipam.tableArray("config") {
                        var config: [String: String] = [:]
                        if let gateway = try entry.string("gateway") { config["Gateway"] = gateway }
                        if let subnet = try entry.string("subnet") { config["Subnet"] = subnet }
                        if let range = try entry.string("ip_range") { config["IPRange"] = range }
                        network.ipam.append(config)
                    }
                }
                settings.network = network
            default:
                throw reader.invalid("network", "expected a network name or a table with name, ipv6 and ipam")
            }
        }
        if let trust = try reader.table("content_trust"), let certs = try trust.stringMap("ca_certs") {
            for (host, certId) in certs { settings.contentTrustCACerts[host] = certId }
        }
        return settings
    }
}
