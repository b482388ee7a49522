import TOMLConfig

extension EdgeSettings {
    /// The top-level keys that belong to IoT Edge rather than to the identity service.
    public static let topLevelKeys = [
        "trust_bundle_cert", "allow_elevated_docker_permissions", "auto_reprovisioning_mode", "imported_master_encryption_key",
        "additional_info", "iotedge_max_requests", "agent", "connect", "listen", "watchdog", "edge_ca", "moby_runtime",
        "image_garbage_collection",
    ]
}

extension EdgeSettings: Hashable {
    public func hash(into hasher: inout Hasher) {
        hasher.combine(isPresent)
        hasher.combine(agent.name)
        hasher.combine(agent.image)
        hasher.combine(connect)
        hasher.combine(listen)
        hasher.combine(edgeCA)
        hasher.combine(mobyRuntime)
    }
}

extension Parser {
    /// The edge keys of the super-config root. Errors name the key path.
    mutating func edgeSettings(_ reader: ConfigReader) throws(ConfigError) -> EdgeSettings {
        var settings = EdgeSettings()
        settings.isPresent = EdgeSettings.topLevelKeys.contains { reader.contains($0) }
        settings.trustBundleCert = try url(reader, "trust_bundle_cert")
        settings.allowElevatedDockerPermissions = try reader.boolean("allow_elevated_docker_permissions")
        if let mode = try reader.string("auto_reprovisioning_mode") {
            guard let parsed = EdgeSettings.AutoReprovisioningMode(rawValue: mode) else {
                throw reader.invalid("auto_reprovisioning_mode", "expected \"Dynamic\", \"AlwaysOnStartup\" or \"OnErrorOnly\", found \"\(mode)\"")
            }
            settings.autoReprovisioningMode = parsed
        }
        if let path = try reader.string("imported_master_encryption_key") {
            guard path.hasPrefix("/") else { throw reader.invalid("imported_master_encryption_key", "expected an absolute file path, found \"\(path)\"") }
            settings.importedMasterEncryptionKey = path
        }
        if let info = try url(reader, "additional_info") {
            guard info.scheme == "file" else {
                throw reader.invalid("additional_info", "unsupported additional_info scheme \"\(info.scheme)\": expected a file:// URL")
            }
            settings.additionalInfo = info
        }
        if let limits = try reader.table("iotedge_max_requests") {
            func limit(_ key: String, _ fallback: Int) throws(ConfigError) -> Int {
                guard let value = try limits.integer(key) else { return fallback }
                guard value > 0 else { throw limits.invalid(key, "must be greater than 0") }
                return value
            }
            let parsed = EdgeSettings.MaxRequests(
                management: try limit("management", EdgeSettings.MaxRequests.defaultManagement),
                workload: try limit("workload", EdgeSettings.MaxRequests.defaultWorkload))
            settings.maxRequests = parsed.isDefault ? nil : parsed
        }
        if let agent = try reader.table("agent") { settings.agent = try self.agent(agent) }
        if let connect = try reader.table("connect") { settings.connect = try uris(connect, defaults: .defaultConnect) }
        if let listen = try reader.table("listen") {
            settings.listen = try uris(listen, defaults: .defaultListen)
            settings.listenMinTLSVersion = try listen.string("min_tls_version")
        }
        if let watchdog = try reader.table("watchdog"), let value = watchdog.value("max_retries") {
            switch value {
            case .string(let text) where text.lowercased() == "infinite":
                settings.watchdogMaxRetries = nil
            case .integer(let count) where count >= 0 && count <= Int(UInt32.max):
                settings.watchdogMaxRetries = count
            default:
                throw watchdog.invalid("max_retries", "expected \"infinite\" or a number of retries (0 to \(UInt32.max))")
            }
        }
        if let edgeCA = try reader.table("edge_ca") { settings.edgeCA = try self.edgeCA(edgeCA) }
        if let moby = try reader.table("moby_runtime") { settings.mobyRuntime = try mobyRuntime(moby) }
        if let gc = try reader.table("image_garbage_collection") { settings.imageGarbageCollection = try imageGarbageCollection(gc) }
        return settings
    }

    private func agent(_ reader: ConfigReader) throws(ConfigError) -> EdgeSettings.Agent {
        var agent = EdgeSettings.Agent()
        agent.name = try reader.required("name", reader.string)
        guard !agent.name.isEmpty else { throw reader.invalid("name", "must not be empty") }
        agent.type = try reader.required("type", reader.string)
        guard agent.type == "docker" else { throw reader.invalid("type", "only \"docker\" is supported, found \"\(agent.type)\"") }
        if let policy = try reader.string("imagePullPolicy") {
            guard policy == "on-create" || policy == "never" else {
                throw reader.invalid("imagePullPolicy", "expected \"on-create\" or \"never\", found \"\(policy)\"")
            }
            agent.imagePullPolicy = policy
        }
        let config = try reader.required("config", reader.table)
        agent.image = try config.required("image", config.string)
        guard !agent.image.allSatisfy(\.isWhitespace) else { throw config.invalid("image", "must not be empty") }
        if let options = config.value("createOptions") {
            guard case .table(let table) = options else { throw config.invalid("createOptions", "expected a table mirroring Docker's create options") }
            agent.createOptions = table
        }
        if let auth = try config.table("auth") {
            var table = ConfigTable()
            for key in auth.table.keys {
                guard ["serveraddress", "username", "password", "email"].contains(key) else { continue }
                table[key] = .string(try auth.required(key, auth.string))
            }
            agent.auth = table
        }
        if let env = try reader.table("env") {
            for key in env.table.keys {
                switch env.value(key) {
                case .string(let text): agent.env.append((key, text))
                case .integer(let number): agent.env.append((key, String(number)))
                case .float(let number): agent.env.append((key, String(number)))
                case .boolean(let flag): agent.env.append((key, String(flag)))
                default: throw env.invalid(key, "expected a string")
                }
            }
        }
        return agent
    }

    private func uris(_ reader: ConfigReader, defaults: EdgeSettings.SocketURIs) throws(ConfigError) -> EdgeSettings.SocketURIs {
        var uris = defaults
        for (key, path) in [("workload_uri", \EdgeSettings.SocketURIs.workloadURI), ("management_uri", \EdgeSettings.SocketURIs.managementURI)] {
            guard let text = try reader.string(key) else { continue }
            guard text.hasPrefix("unix://") || text.hasPrefix("fd://") || text.hasPrefix("http://") else {
                throw reader.invalid(key, "expected a unix://, fd:// or http:// URI, found \"\(text)\"")
            }
            uris[keyPath: path] = text
        }
        return uris
    }

    /// `[edge_ca]`: issued (`method`), preloaded (`cert` + `pk`) or quickstart (`auto_generated_edge_ca_expiry_days`).
    private mutating func edgeCA(_ reader: ConfigReader) throws(ConfigError) -> EdgeSettings.EdgeCA {
        if reader.contains("method") {
            var options = try certIssuanceOptions(reader, defaultingAutoRenew: true)
            if options.autoRenew == nil { options.autoRenew = .default }
            return .issued(options)
        }
        if reader.contains("cert") || reader.contains("pk") {
            let cert = try url(reader, "cert", required: true)!
            guard cert.scheme == "file" else { throw reader.invalid("cert", "expected a file:// URL, found \"\(cert.text)\"") }
            return .preloaded(cert: cert, key: try keyLocation(reader, "pk", required: true)!)
        }
        if reader.contains("auto_generated_edge_ca_expiry_days") {
            let days = try reader.required("auto_generated_edge_ca_expiry_days", reader.integer)
            guard days > 0, days <= Int(UInt32.max) else { throw reader.invalid("auto_generated_edge_ca_expiry_days", "must be greater than 0") }
            var autoRenew = AutoRenewConfig.default
            if let renew = try reader.table("auto_renew") {
                autoRenew = try lenientAutoRenew(renew)
                guard autoRenew.rotateKey else {
                    throw renew.invalid("rotate_key", "must be true for a quickstart Edge CA (its key is generated with the certificate)")
                }
            }
            return .quickstart(expiryDays: days, autoRenew: autoRenew, subject: try subject(reader))
        }
        throw ConfigError(
            .invalidValue,
            "\(reader.path): expected one of: method = \"est\" | \"local_ca\" | \"self_signed\" (issued); cert + pk (preloaded); "
                + "auto_generated_edge_ca_expiry_days (quickstart)")
    }

    /// `[..auto_renew]` whose keys default to rotate_key = true, threshold = "80%", retry = "4%".
    func lenientAutoRenew(_ reader: ConfigReader) throws(ConfigError) -> AutoRenewConfig {
        var config = AutoRenewConfig.default
        config.rotateKey = try reader.boolean("rotate_key") ?? config.rotateKey
        if reader.contains("threshold") { config.threshold = try policy(reader, "threshold") }
        if reader.contains("retry") { config.retry = try policy(reader, "retry") }
        return config
    }

    private func mobyRuntime(_ reader: ConfigReader) throws(ConfigError) -> EdgeSettings.MobyRuntime {
        var moby = EdgeSettings.MobyRuntime()
        if let uri = try reader.string("uri") {
            guard uri.hasPrefix("unix://"), uri.count > "unix://".count else {
                throw reader.invalid("uri", "expected a unix:// URI of the container engine's socket, found \"\(uri)\"")
            }
            moby.uri = uri
        }
        switch reader.table["network"] {
        case nil:
            break
        case .string:
            let name = try reader.required("network", reader.string)
            moby.network = .name(name.isEmpty ? EdgeSettings.MobyRuntime.Network.defaultName : name)
        case .table:
            let table = try reader.required("network", reader.table)
            var name = try table.string("name") ?? EdgeSettings.MobyRuntime.Network.defaultName
            if name.isEmpty { name = EdgeSettings.MobyRuntime.Network.defaultName }
            let ipv6 = try table.boolean("ipv6")
            var ipam: [EdgeSettings.MobyRuntime.IPAMConfig]?
            if let ipamReader = try table.table("ipam") {
                var entries: [EdgeSettings.MobyRuntime.IPAMConfig] = []
                for entry in try ipamReader.tableArray("config") {
                    entries.append(
                        EdgeSettings.MobyRuntime.IPAMConfig(
                            gateway: try entry.string("gateway"), subnet: try entry.string("subnet"), ipRange: try entry.string("ip_range")))
                }
                ipam = entries
            }
            moby.network = .table(name: name, ipv6: ipv6, ipam: ipam)
        case .some:
            throw reader.invalid("network", "expected a network name or a table with name, ipv6 and ipam")
        }
        if let trust = try reader.table("content_trust"), let certs = try trust.table("ca_certs") {
            var list: [EdgeSettings.MobyRuntime.ContentTrustCert] = []
            for host in certs.table.keys {
                list.append(EdgeSettings.MobyRuntime.ContentTrustCert(hostname: host, cert: try url(certs, host, required: true)!))
            }
            moby.contentTrustCACerts = list
        }
        return moby
    }

    private func imageGarbageCollection(_ reader: ConfigReader) throws(ConfigError) -> EdgeSettings.ImageGarbageCollection? {
        var gc = EdgeSettings.ImageGarbageCollection()
        gc.enabled = try reader.boolean("enabled") ?? true
        var recurrenceSeconds = 86_400
        var thresholdSeconds = 7 * 86_400
        if let text = try reader.string("cleanup_recurrence") {
            guard let seconds = EdgeDuration.seconds(text), seconds >= 86_400, seconds % 86_400 == 0 else {
                throw reader.invalid("cleanup_recurrence", "must be a whole number of days, at least 1 (\"1d\", \"2 days\"), found \"\(text)\"")
            }
            gc.cleanupRecurrence = text
            recurrenceSeconds = seconds
        }
        if let text = try reader.string("image_age_cleanup_threshold") {
            guard let seconds = EdgeDuration.seconds(text) else {
                throw reader.invalid("image_age_cleanup_threshold", "expected a duration such as \"7d\" or \"12h\", found \"\(text)\"")
            }
            gc.imageAgeCleanupThreshold = text
            thresholdSeconds = seconds
        }
        if let text = try reader.string("cleanup_time") {
            let parts = text.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2, parts[0].count == 2, parts[1].count == 2, let hours = Int(parts[0]), let minutes = Int(parts[1]),
                (0..<24).contains(hours), (0..<60).contains(minutes)
            else {
                throw reader.invalid("cleanup_time", "expected a 24-hour time HH:MM such as \"00:00\" or \"23:30\", found \"\(text)\"")
            }
            gc.cleanupTime = text
        }
        let isDefault = gc.enabled && recurrenceSeconds == 86_400 && thresholdSeconds == 7 * 86_400 && gc.cleanupTime == "00:00"
        return isDefault ? nil : gc
    }
}

/// Durations as edged reads them: one or more `<number><unit>` parts (`"1d"`, `"2 days"`, `"1h 30m"`).
enum EdgeDuration {
    static func seconds(_ text: String) -> Int? {
        var total = 0
        var rest = Substring(text)
        var parts = 0
        while true {
            rest = rest.drop { $0 == " " }
            guard !rest.isEmpty else { break }
            let digits = rest.prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty, let value = Int(digits) else { return nil }
            rest = rest.dropFirst(digits.count).drop { $0 == " " }
            let unit = rest.prefix { $0.isLetter }
            guard let scale = units[String(unit)] else { return nil }
            rest = rest.dropFirst(unit.count)
            let (product, overflow) = value.multipliedReportingOverflow(by: scale)
            guard !overflow else { return nil }
            total += product
            parts += 1
        }
        return parts > 0 ? total : nil
    }

    private static let units: [String: Int] = {
        var table: [String: Int] = [:]
        for name in ["seconds", "second", "sec", "s"] { table[name] = 1 }
        for name in ["minutes", "minute", "min", "m"] { table[name] = 60 }
        for name in ["hours", "hour", "hr", "h"] { table[name] = 3600 }
        for name in ["days", "day", "d"] { table[name] = 86_400 }
        for name in ["weeks", "week", "w"] { table[name] = 604_800 }
        return table
    }()
}
