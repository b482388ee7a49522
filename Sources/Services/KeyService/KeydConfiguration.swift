public import ConfigFiles
public import TOMLConfig
public import UnixSocketHTTP

/// The keyd configuration (`/etc/aziot/keyd/config.toml` plus `config.d/*.toml`):
///
/// ```toml
/// max_requests = 10                      # optional, default 10
/// [aziot_keys]
/// homedir_path = "/var/lib/aziot/keyd"   # required
/// # pkcs11_lib_path, pkcs11_base_slot    # parsed, but the service refuses to start with them
/// [preloaded_keys]
/// device-id = "file:///var/secrets/aziot/keyd/device-id"
/// [[principal]]
/// uid = 5556
/// keys = ["aziot_identityd_master_id", "device-id"]
/// [endpoints]
/// aziot_keyd = "unix:///run/aziot/keyd.sock"
/// ```
///
/// Unlike the reference, keys that nothing reads are reported (``init(_:)`` throws ``ConfigError/Code/unknownKeys``).
public struct KeydConfiguration: Sendable, Equatable {
    public static let defaultMaxRequests = 10

    /// Connections served at once per caller uid (`max_requests`).
    public var maxRequests: Int
    /// The `[aziot_keys]` backend parameters.
    public var aziotKeys: AziotKeys
    /// `[preloaded_keys]`: key id → where the key already is.
    public var preloadedKeys: [String: PreloadedKeyLocation]
    /// `[[principal]]` entries in file order (entries for one uid accumulate).
    public var principals: [Principal]
    /// `[endpoints] aziot_keyd`; nil means `unix:///run/aziot/keyd.sock`.
    public var endpoint: ServiceEndpoint?

    /// `[aziot_keys]`: the parameters of the key storage backend.
    public struct AziotKeys: Sendable, Equatable {
        /// Where `keys/` lives.
        public var homedirPath: String
        /// A PKCS#11 library (not supported by this build; parsed so the error can say so).
        public var pkcs11LibPath: String?
        /// A PKCS#11 base slot URI (not supported by this build).
        public var pkcs11BaseSlot: String?

        public init(homedirPath: String, pkcs11LibPath: String? = nil, pkcs11BaseSlot: String? = nil) {
            self.homedirPath = homedirPath
            self.pkcs11LibPath = pkcs11LibPath
            self.pkcs11BaseSlot = pkcs11BaseSlot
        }
    }

    /// A `[[principal]]`: a uid and the key id patterns (`*`, `?` wildcards) it may create, load, import and move.
    public struct Principal: Sendable, Equatable {
        public var uid: UInt32
        public var keys: [String]

        public init(uid: UInt32, keys: [String]) {
            self.uid = uid
            self.keys = keys
        }
    }

    public init(
        maxRequests: Int = KeydConfiguration.defaultMaxRequests,
        aziotKeys: AziotKeys,
        preloadedKeys: [String: PreloadedKeyLocation] = [:],
        principals: [Principal] = [],
        endpoint: ServiceEndpoint? = nil
    ) {
        self.maxRequests = maxRequests
        self.aziotKeys = aziotKeys
        self.preloadedKeys = preloadedKeys
        self.principals = principals
        self.endpoint = endpoint
    }

    /// The names `[aziot_keys]` accepts; any other is an error, as in libaziot-keys.
    public static let aziotKeysParameterNames = ["homedir_path", "pkcs11_lib_path", "pkcs11_base_slot"]

    /// Reads a merged configuration table; reports unknown keys.
    public init(_ table: ConfigTable) throws(ConfigError) {
        let reader = ConfigReader(table)
        let maxRequests = try reader.integer("max_requests") ?? Self.defaultMaxRequests
        guard maxRequests > 0 else { throw reader.invalid("max_requests", "must be a positive number of connections, found \(maxRequests)") }
        self.maxRequests = maxRequests

        let aziotKeys = try reader.stringMap("aziot_keys") ?? []
        for (name, _) in aziotKeys where !Self.aziotKeysParameterNames.contains(name) {
            throw ConfigError(
                .invalidValue,
                "aziot_keys.\(name): unrecognized parameter; [aziot_keys] accepts \(Self.aziotKeysParameterNames.joined(separator: ", "))"
            )
        }
        func parameter(_ name: String) -> String? { aziotKeys.first { $0.key == name }?.value }
        guard let homedirPath = parameter("homedir_path") else {
            throw ConfigError(.missingKey, "aziot_keys.homedir_path: missing required key (the directory keyd keeps keys/ in)")
        }
        self.aziotKeys = AziotKeys(
            homedirPath: homedirPath,
            pkcs11LibPath: parameter("pkcs11_lib_path"),
            pkcs11BaseSlot: parameter("pkcs11_base_slot")
        )

        var preloaded: [String: PreloadedKeyLocation] = [:]
        for (id, uri) in try reader.stringMap("preloaded_keys") ?? [] {
            guard !id.isEmpty else { throw reader.invalid("preloaded_keys", "a key id is empty") }
            guard let location = PreloadedKeyLocation(uri: uri) else {
                throw ConfigError(
                    .invalidValue,
                    "preloaded_keys.\(id): \"\(uri)\" is not a key location; use file:///absolute/path (or a pkcs11: URI)"
                )
            }
            preloaded[id] = location
        }
        self.preloadedKeys = preloaded

        var principals: [Principal] = []
        for entry in try reader.tableArray("principal") {
            let uid = try entry.required("uid", entry.integer)
            guard let uid32 = UInt32(exactly: uid) else { throw entry.invalid("uid", "\(uid) is not a valid uid") }
            principals.append(Principal(uid: uid32, keys: try entry.required("keys", entry.stringArray)))
        }
        self.principals = principals

        if let endpoints = try reader.table("endpoints"), let uri = try endpoints.string("aziot_keyd") {
            do {
                self.endpoint = try ServiceEndpoint(parsing: uri)
                if case .tcp = self.endpoint {
                    throw UnixSocketHTTPError(.endpoint, "\(uri): keyd listens on a Unix socket only (unix:///path or fd://name)")
                }
            } catch {
                throw endpoints.invalid("aziot_keyd", "\(error)")
            }
        } else {
            self.endpoint = nil
        }
        try reader.finish()
    }

    /// Loads the main file and drop-ins (see ``ConfigFileSet``) and reads them.
    public static func load(_ files: ConfigFileSet) throws(ConfigError) -> KeydConfiguration {
        try KeydConfiguration(files.load())
    }

    /// The configuration as the reference writes it: `max_requests` only when not the default, `[aziot_keys]` and
    /// `[preloaded_keys]` with sorted keys (always present), `[[principal]]` entries, and `[endpoints]` when set.
    public func toConfigTable() -> ConfigTable {
        var table = ConfigTable()
        if maxRequests != Self.defaultMaxRequests { table["max_requests"] = .integer(maxRequests) }
        var keys: [(key: String, value: ConfigValue)] = [("homedir_path", .string(aziotKeys.homedirPath))]
        if let pkcs11BaseSlot = aziotKeys.pkcs11BaseSlot { keys.append(("pkcs11_base_slot", .string(pkcs11BaseSlot))) }
        if let pkcs11LibPath = aziotKeys.pkcs11LibPath { keys.append(("pkcs11_lib_path", .string(pkcs11LibPath))) }
        table["aziot_keys"] = .table(ConfigTable(keys.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }))
        let preloaded = preloadedKeys.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
        table["preloaded_keys"] = .table(ConfigTable(preloaded.map { ($0.key, ConfigValue.string($0.value.uri)) }))
        if !principals.isEmpty {
            table["principal"] = .array(
                principals.map { principal in
                    .table(ConfigTable([("uid", .integer(Int(principal.uid))), ("keys", .array(principal.keys.map { .string($0) }))]))
                }
            )
        }
        if let endpoint { table["endpoints"] = .table(ConfigTable([("aziot_keyd", .string(endpoint.description))])) }
        return table
    }
}
