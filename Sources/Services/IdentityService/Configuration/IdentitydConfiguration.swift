public import TOMLConfig
public import UnixSocketHTTP

/// aziot-identityd's settings (`/etc/aziot/identityd/config.toml` + `config.d`).
///
/// Parsing follows the reference schema; unlike the reference, keys nothing reads are an error
/// (``ConfigError/Code/unknownKeys``), so typos surface at startup. Validation (§4.3): principal names are unique;
/// an `idtype` with `local` needs `[localid]`; `localid` options need the `local` type; `module` and `device` need
/// provisioning other than `none`; `cloud_timeout_sec` is at least 70.
public struct IdentitydConfiguration: Sendable, Equatable {
    /// The device's host name (local identities' common names are `<module>.<hostname>.<domain>`).
    public var hostname: String
    /// State directory: `device_info`, `prev_state`, `modules/…`.
    public var homedir: String
    /// Serve module identities from the on-disk backup first and ask IoT Hub only on a miss.
    public var preferModuleIdentityCache: Bool
    /// Open connections allowed per caller uid.
    public var maxRequests: Int
    /// Per-attempt timeout of IoT Hub and DPS requests, in seconds (at least 70).
    public var cloudTimeoutSeconds: Int
    /// Extra attempts after a transport failure.
    public var cloudRetries: Int
    public var provisioning: ProvisioningSettings
    public var principals: [IdentityPrincipal]
    /// `[localid] domain`: required by local identities.
    public var localIdDomain: String?
    /// `[endpoints]`: the sockets of keyd, certd, identityd itself and tpmd.
    public var endpoints: Endpoints

    public static let defaultMaxRequests = 10
    public static let defaultCloudTimeoutSeconds = 70
    public static let minimumCloudTimeoutSeconds = 70
    public static let defaultCloudRetries = 1

    public struct Endpoints: Sendable, Equatable {
        public var keyd: ServiceEndpoint
        public var certd: ServiceEndpoint
        public var identityd: ServiceEndpoint
        public var tpmd: ServiceEndpoint

        public init(
            keyd: ServiceEndpoint = .unix(path: "/run/aziot/keyd.sock"),
            certd: ServiceEndpoint = .unix(path: "/run/aziot/certd.sock"),
            identityd: ServiceEndpoint = .unix(path: "/run/aziot/identityd.sock"),
            tpmd: ServiceEndpoint = .unix(path: "/run/aziot/tpmd.sock")
        ) {
            self.keyd = keyd
            self.certd = certd
            self.identityd = identityd
            self.tpmd = tpmd
        }
    }

    public init(
        hostname: String,
        homedir: String,
        provisioning: ProvisioningSettings,
        principals: [IdentityPrincipal] = [],
        localIdDomain: String? = nil,
        preferModuleIdentityCache: Bool = false,
        maxRequests: Int = Self.defaultMaxRequests,
        cloudTimeoutSeconds: Int = Self.defaultCloudTimeoutSeconds,
        cloudRetries: Int = Self.defaultCloudRetries,
        endpoints: Endpoints = Endpoints()
    ) throws(ConfigError) {
        self.hostname = hostname
        self.homedir = homedir
        self.provisioning = provisioning
        self.principals = principals
        self.localIdDomain = localIdDomain
        self.preferModuleIdentityCache = preferModuleIdentityCache
        self.maxRequests = maxRequests
        self.cloudTimeoutSeconds = cloudTimeoutSeconds
        self.cloudRetries = cloudRetries
        self.endpoints = endpoints
        try validate()
    }

    /// Reads the merged configuration.
    public init(_ table: ConfigTable) throws(ConfigError) {
        let reader = ConfigReader(table)
        hostname = try reader.required("hostname", reader.string)
        homedir = try reader.required("homedir", reader.string)
        preferModuleIdentityCache = try reader.boolean("prefer_module_identity_cache") ?? false
        maxRequests = try reader.integer("max_requests") ?? Self.defaultMaxRequests
        guard maxRequests > 0 else { throw reader.invalid("max_requests", "must be greater than 0") }
        cloudTimeoutSeconds = try reader.integer("cloud_timeout_sec") ?? Self.defaultCloudTimeoutSeconds
        guard cloudTimeoutSeconds >= Self.minimumCloudTimeoutSeconds else {
            throw reader.invalid("cloud_timeout_sec", "cloud_timeout_sec must be at least 70 seconds")
        }
        cloudRetries = try reader.integer("cloud_retries") ?? Self.defaultCloudRetries
        guard cloudRetries >= 0 else { throw reader.invalid("cloud_retries", "must not be negative") }
        guard let provisioningReader = try reader.table("provisioning") else {
            throw ConfigError(.missingKey, "provisioning: missing required table")
        }
        provisioning = try ProvisioningSettings(reading: provisioningReader)
        principals = try reader.tableArray("principal").map { (entry) throws(ConfigError) in try Self.readPrincipal(entry) }
        localIdDomain = nil
        if let localId = try reader.table("localid") {
            localIdDomain = try localId.required("domain", localId.string)
        }
        endpoints = Endpoints()
        if let section = try reader.table("endpoints") {
            func endpoint(_ key: String, _ fallback: ServiceEndpoint) throws(ConfigError) -> ServiceEndpoint {
                guard let uri = try section.string(key) else { return fallback }
                do {
                    return try ServiceEndpoint(parsing: uri)
                } catch {
                    throw section.invalid(key, error.message)
                }
            }
            endpoints = Endpoints(
                keyd: try endpoint("aziot_keyd", endpoints.keyd),
                certd: try endpoint("aziot_certd", endpoints.certd),
                identityd: try endpoint("aziot_identityd", endpoints.identityd),
                tpmd: try endpoint("aziot_tpmd", endpoints.tpmd)
            )
        }
        try reader.finish()
        try validate()
    }

    private static func readPrincipal(_ entry: ConfigReader) throws(ConfigError) -> IdentityPrincipal {
        let uid = try entry.required("uid", entry.integer)
        guard let uidValue = UInt32(exactly: uid) else { throw entry.invalid("uid", "\(uid) is not a valid uid") }
        let name = try entry.required("name", entry.string)
        var idTypes: [IdentityType]?
        if let names = try entry.stringArray("idtype") {
            idTypes = try names.map { (type) throws(ConfigError) in
                guard let parsed = IdentityType(rawValue: type) else {
                    throw entry.invalid("idtype", "unknown identity type \"\(type)\"; expected \"device\", \"module\" or \"local\"")
                }
                return parsed
            }
        }
        var options: LocalIdentityOptions?
        if let localId = try entry.table("localid") {
            let type = try localId.required("type", localId.string)
            guard type == "x509" else { throw localId.invalid("type", "expected \"x509\", found \"\(type)\"") }
            let attributes = try localId.string("attributes") ?? "client"
            guard let parsed = LocalIdentityOptions.Attributes(rawValue: attributes) else {
                throw localId.invalid("attributes", "expected \"client\" or \"server\", found \"\(attributes)\"")
            }
            options = LocalIdentityOptions(attributes: parsed)
        }
        return IdentityPrincipal(uid: uidValue, name: name, idTypes: idTypes, localIdOptions: options)
    }

    /// The reference's semantic checks (`Settings::check`).
    func validate() throws(ConfigError) {
        var names: Set<String> = []
        for principal in principals {
            guard names.insert(principal.name).inserted else {
                throw ConfigError(.invalidValue, "principal: duplicate module name: \(principal.name)")
            }
            guard let types = principal.idTypes else { continue }
            if types.contains(.local) {
                guard localIdDomain != nil else {
                    throw ConfigError(.invalidValue, "invalid config for \(principal.name): local id type requires localid config")
                }
            } else if principal.localIdOptions != nil {
                throw ConfigError(
                    .invalidValue, "invalid config for \(principal.name): local identity options specified for non-local identity")
            }
            if case .none = provisioning.source, types.contains(.module) || types.contains(.device) {
                throw ConfigError(
                    .invalidValue, "invalid config for \(principal.name): module or device identity requires provisioning with IoT Hub")
            }
        }
    }

    /// Principal names whose `idtype` contains `module`: the Hub modules reconciliation keeps.
    public var hubModuleNames: Set<String> {
        Set(authorizedPrincipals.filter { $0.has(.module) }.map(\.name))
    }

    /// Principals that authenticate: every host process, and only the first principal without `idtype` (the reference
    /// honours at most one daemon principal and skips the others with a warning).
    public var authorizedPrincipals: [IdentityPrincipal] {
        var sawDaemon = false
        return principals.filter { principal in
            guard principal.idTypes == nil else { return true }
            defer { sawDaemon = true }
            return !sawDaemon
        }
    }

    /// Principals without `idtype` beyond the first (ignored, with a warning at load).
    public var ignoredDaemonPrincipals: [IdentityPrincipal] {
        principals.filter { $0.idTypes == nil }.dropFirst().map { $0 }
    }
}
