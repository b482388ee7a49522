public import TOMLConfig

extension SuperConfig {
    /// What to do with keys that no part of the schema reads.
    public enum UnknownKeyPolicy: Sendable {
        /// Fail with ``ConfigError/Code/unknownKeys`` naming every such key path.
        case reject
        /// Keep them in ``SuperConfig/unknownKeys`` for the caller to report.
        case collect
    }

    /// Parses super-config TOML text; `source` names the file in messages.
    public init(toml text: String, source: String = "config.toml", unknownKeys policy: UnknownKeyPolicy = .reject) throws(ConfigError) {
        try self.init(parsing: try ConfigTable(toml: text, source: source), unknownKeys: policy)
    }

    /// Reads a parsed super-config. Errors name the key path (`provisioning.attestation.method: …`).
    public init(parsing table: ConfigTable, unknownKeys policy: UnknownKeyPolicy = .reject) throws(ConfigError) {
        let reader = ConfigReader(table)
        var parser = Parser()

        hostname = try reader.string("hostname")
        let localGateway = try reader.string("local_gateway_hostname")
        let parent = try reader.string("parent_hostname")
        if localGateway != nil, parent != nil {
            throw reader.invalid("parent_hostname", "local_gateway_hostname and parent_hostname are two names for one setting: give only one")
        }
        localGatewayHostname = localGateway ?? parent

        cloudTimeoutSec = try reader.integer("cloud_timeout_sec") ?? Self.defaultCloudTimeoutSec
        guard cloudTimeoutSec >= 70 else { throw reader.invalid("cloud_timeout_sec", "must be at least 70 seconds") }
        cloudRetries = try reader.integer("cloud_retries") ?? Self.defaultCloudRetries
        guard cloudRetries >= 0, cloudRetries <= Int(UInt32.max) else { throw reader.invalid("cloud_retries", "must be between 0 and \(UInt32.max)") }

        if let limits = try reader.section("aziot_max_requests") {
            func limit(_ key: String) throws(ConfigError) -> Int {
                let value = try limits.required(key, limits.integer)
                guard value >= 0 else { throw limits.invalid(key, "must not be negative") }
                return value
            }
            maxRequests = MaxRequests(keyd: try limit("keyd"), certd: try limit("certd"), tpmd: try limit("tpmd"), identityd: try limit("identityd"))
        } else {
            maxRequests = nil
        }

        preferModuleIdentityCache = try reader.boolean("prefer_module_identity_cache") ?? false
        provisioning = try parser.provisioning(try reader.required("provisioning", reader.table))

        if let localID = try reader.section("localid") {
            localIDDomain = try localID.required("domain", localID.string)
        } else {
            localIDDomain = nil
        }

        var aziotKeys: [String: String] = [:]
        if let keys = try reader.section("aziot_keys") {
            for name in keys.table.keys { aziotKeys[name] = try keys.required(name, keys.string) }
        }
        self.aziotKeys = aziotKeys

        var preloadedKeys: [String: PreloadedKeyLocation] = [:]
        if let keys = try reader.section("preloaded_keys") {
            for id in keys.table.keys { preloadedKeys[id] = try parser.requiredKeyLocation(keys, id) }
        }
        self.preloadedKeys = preloadedKeys

        if let issuance = try reader.section("cert_issuance") {
            certIssuance = CertIssuance(
                est: try issuance.section("est").map { (est) throws(ConfigError) in try parser.est(est) },
                localCA: try issuance.section("local_ca").map { (localCA) throws(ConfigError) in try parser.localCA(localCA) })
        } else {
            certIssuance = CertIssuance()
        }

        var preloadedCerts: [String: PreloadedCert] = [:]
        if let certs = try reader.section("preloaded_certs") {
            for id in certs.table.keys {
                switch certs.table[id] {
                case .string:
                    preloadedCerts[id] = .uri(try parser.url(certs, id)!)
                case .array:
                    preloadedCerts[id] = .ids(try certs.stringArray(id) ?? [])
                default:
                    throw certs.invalid(id, "expected a file:// URL or an array of certificate ids")
                }
            }
        }
        self.preloadedCerts = preloadedCerts

        var tpm = TPM()
        if let tpmReader = try reader.section("tpm") {
            tpm.tcti = try tpmReader.string("tcti") ?? TPM.defaultTCTI
            if let index = try tpmReader.integer("auth_key_index") {
                guard (0...TPM.maxAuthKeyIndex).contains(index) else {
                    throw tpmReader.invalid("auth_key_index", "must be an integer in the range 0x00_00_00..=0x7F_FF_FF")
                }
                tpm.authKeyIndex = index
            }
            if let auth = try tpmReader.section("hierarchy_authorization") {
                tpm.endorsementAuth = try auth.string("endorsement") ?? ""
                tpm.ownerAuth = try auth.string("owner") ?? ""
            }
        }
        self.tpm = tpm

        edge = try parser.edgeSettings(reader)

        warnings = parser.warnings
        switch policy {
        case .reject:
            try reader.finish()
            unknownKeys = []
        case .collect:
            unknownKeys = reader.unusedKeys()
        }
    }
}

/// The parts of the schema that appear in several places, and the warnings met on the way.
struct Parser {
    var warnings: [String] = []

    mutating func provisioning(_ reader: ConfigReader) throws(ConfigError) -> SuperConfig.Provisioning {
        let source = try reader.required("source", reader.string)
        switch source {
        case "manual":
            if reader.contains("connection_string") {
                let text = try reader.required("connection_string", reader.string)
                do {
                    return .manualConnectionString(try ManualConnectionString(parsing: text))
                } catch {
                    throw reader.invalid("connection_string", "connection string is invalid: \(error.message)")
                }
            }
            let hostname = try reader.required("iothub_hostname", reader.string)
            let deviceID = try reader.required("device_id", reader.string)
            let auth = try reader.required("authentication", reader.table)
            let method = try auth.required("method", auth.string)
            switch method {
            case "sas":
                return .manual(iothubHostname: hostname, deviceID: deviceID, authentication: .sas(try symmetricKey(auth, "device_id_pk")))
            case "x509":
                return .manual(iothubHostname: hostname, deviceID: deviceID, authentication: .x509(try x509Identity(auth)))
            default:
                throw auth.invalid("method", "expected \"sas\" or \"x509\", found \"\(method)\"")
            }
        case "dps":
            let endpoint = try url(reader, "global_endpoint", required: true)!
            let scope = try reader.required("id_scope", reader.string)
            let attestation = try reader.required("attestation", reader.table)
            let method = try attestation.required("method", attestation.string)
            let parsed: SuperConfig.DPSAttestation
            switch method {
            case "symmetric_key":
                parsed = .symmetricKey(
                    registrationID: try attestation.required("registration_id", attestation.string),
                    key: try symmetricKey(attestation, "symmetric_key"))
            case "x509":
                parsed = .x509(registrationID: try attestation.string("registration_id"), identity: try x509Identity(attestation))
            case "tpm":
                parsed = .tpm(registrationID: try attestation.required("registration_id", attestation.string))
            default:
                throw attestation.invalid("method", "expected \"symmetric_key\", \"x509\" or \"tpm\", found \"\(method)\"")
            }
            var payload: ConfigURL?
            if let payloadReader = try reader.section("payload") {
                payload = try url(payloadReader, "uri", required: true)
            }
            return .dps(SuperConfig.DPS(globalEndpoint: endpoint, idScope: scope, attestation: parsed, payloadURI: payload))
        case "none":
            return .none
        default:
            throw reader.invalid("source", "expected \"manual\", \"dps\" or \"none\", found \"\(source)\"")
        }
    }

    /// `key = { value = "<base64>" }` or `key = { uri = "file:///…" | "pkcs11:…" }`.
    func symmetricKey(_ reader: ConfigReader, _ key: String) throws(ConfigError) -> SuperConfig.SymmetricKey {
        let table = try reader.required(key, reader.table)
        switch (table.contains("value"), table.contains("uri")) {
        case (true, false):
            let text = try table.required("value", table.string)
            guard let bytes = Base64.decode(text) else { throw table.invalid("value", "not valid base64") }
            return .inline(bytes)
        case (false, true):
            return .preloaded(try requiredKeyLocation(table, "uri"))
        default:
            throw reader.invalid(key, "expected { value = \"<base64 key>\" } or { uri = \"file:///…\" | \"pkcs11:…\" }")
        }
    }

    /// `identity_cert = "file:///…"` with `identity_pk = "<uri>"`, or `identity_cert = { method = … }`.
    mutating func x509Identity(_ reader: ConfigReader) throws(ConfigError) -> SuperConfig.X509Identity {
        switch reader.table["identity_cert"] {
        case .table:
            return .issued(try certIssuanceOptions(try reader.required("identity_cert", reader.table)))
        case .string:
            let cert = try url(reader, "identity_cert")!
            return .preloaded(cert: cert, key: try keyLocation(reader, "identity_pk", required: true)!)
        case nil:
            throw ConfigError(.missingKey, "\(reader.keyPath("identity_cert")): missing required key")
        case .some:
            throw reader.invalid("identity_cert", "expected a file:// URL or a table of issuance options")
        }
    }

    /// `method = "est" | "local_ca" | "self_signed"`, `expiry_days`, `common_name` | `subject`, `auto_renew`,
    /// and for EST its `url` and flat authentication keys.
    /// With `defaultingAutoRenew`, the `auto_renew` keys default as `[edge_ca.auto_renew]`'s do.
    mutating func certIssuanceOptions(_ reader: ConfigReader, defaultingAutoRenew: Bool = false) throws(ConfigError) -> CertIssuanceOptions {
        let methodName = try reader.required("method", reader.string)
        let method: CertIssuanceMethod
        switch methodName {
        case "est":
            method = .est(url: try estURL(reader, "url"), auth: try estAuth(reader))
        case "local_ca":
            method = .localCA
        case "self_signed":
            method = .selfSigned
        default:
            throw reader.invalid("method", "expected \"est\", \"local_ca\" or \"self_signed\", found \"\(methodName)\"")
        }
        let expiryDays = try reader.integer("expiry_days")
        if let expiryDays, expiryDays <= 0 || expiryDays > Int(UInt32.max) {
            throw reader.invalid("expiry_days", "expiry_days must be greater than 0")
        }
        let autoRenew = try reader.section("auto_renew").map { (table) throws(ConfigError) in
            defaultingAutoRenew ? try lenientAutoRenew(table) : try autoRenewConfig(table)
        }
        return CertIssuanceOptions(method: method, expiryDays: expiryDays, autoRenew: autoRenew, subject: try subject(reader))
    }

    func subject(_ reader: ConfigReader) throws(ConfigError) -> CertSubject? {
        switch (reader.contains("common_name"), reader.contains("subject")) {
        case (true, true):
            throw reader.invalid("subject", "give either common_name or subject, not both")
        case (true, false):
            return .commonName(try reader.required("common_name", reader.string))
        case (false, true):
            let table = try reader.required("subject", reader.table)
            var attributes: [CertSubject.Attribute] = []
            for name in table.table.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
                attributes.append(CertSubject.Attribute(name: name, value: try table.required(name, table.string)))
            }
            guard !attributes.isEmpty else { throw reader.invalid("subject", "must name at least one attribute") }
            return .subject(attributes)
        case (false, false):
            return nil
        }
    }

    /// `rotate_key`, `threshold` and `retry`, all required.
    func autoRenewConfig(_ reader: ConfigReader) throws(ConfigError) -> AutoRenewConfig {
        let rotateKey = try reader.required("rotate_key", reader.boolean)
        return AutoRenewConfig(rotateKey: rotateKey, threshold: try policy(reader, "threshold"), retry: try policy(reader, "retry"))
    }

    func policy(_ reader: ConfigReader, _ key: String) throws(ConfigError) -> RenewalPolicy {
        let text = try reader.required(key, reader.string)
        do {
            return try RenewalPolicy(parsing: text)
        } catch {
            throw reader.invalid(key, error.description)
        }
    }

    /// The flat EST authentication keys of a table: `username` + `password`, and `identity_cert` +
    /// `identity_pk` or `bootstrap_identity_cert` + `bootstrap_identity_pk`. Nil when none is present.
    func estAuth(_ reader: ConfigReader) throws(ConfigError) -> ESTAuth? {
        var auth = ESTAuth()
        switch (reader.contains("username"), reader.contains("password")) {
        case (true, true):
            auth.basic = ESTAuth.Basic(username: try reader.required("username", reader.string), password: try reader.required("password", reader.string))
        case (true, false):
            throw ConfigError(.missingKey, "\(reader.keyPath("password")): missing required key (username is set)")
        case (false, true):
            throw ConfigError(.missingKey, "\(reader.keyPath("username")): missing required key (password is set)")
        case (false, false):
            break
        }
        let bootstrap = reader.contains("bootstrap_identity_cert") || reader.contains("bootstrap_identity_pk")
        let identity = reader.contains("identity_cert") || reader.contains("identity_pk")
        if bootstrap && identity {
            throw reader.invalid("identity_cert", "give either identity_cert/identity_pk or bootstrap_identity_cert/bootstrap_identity_pk, not both")
        }
        if bootstrap {
            auth.x509 = .bootstrapIdentity(
                cert: try url(reader, "bootstrap_identity_cert", required: true)!,
                key: try keyLocation(reader, "bootstrap_identity_pk", required: true)!)
        } else if identity {
            auth.x509 = .identity(cert: try url(reader, "identity_cert", required: true)!, key: try keyLocation(reader, "identity_pk", required: true)!)
        }
        return auth.basic == nil && auth.x509 == nil ? nil : auth
    }

    /// `[cert_issuance.est]`.
    mutating func est(_ reader: ConfigReader) throws(ConfigError) -> SuperConfig.EST {
        var est = SuperConfig.EST()
        if let trusted = try reader.stringArray("trusted_certs") {
            for (index, text) in trusted.enumerated() {
                do {
                    est.trustedCerts.append(try ConfigURL(parsing: text))
                } catch {
                    throw reader.invalid("trusted_certs[\(index)]", error.description)
                }
            }
        }
        if let renew = try reader.section("identity_auto_renew") { est.identityAutoRenew = try autoRenewConfig(renew) }
        if let auth = try reader.section("auth") { est.auth = try estAuth(auth) }
        if let urls = try reader.section("urls") {
            for id in urls.table.keys { est.urls[id] = try estURL(urls, id) }
        }
        return est
    }

    /// `[cert_issuance.local_ca]`: `cert = "file:///…"` + `pk = "<uri>"`, or `cert = { method = … }`.
    mutating func localCA(_ reader: ConfigReader) throws(ConfigError) -> SuperConfig.LocalCA {
        switch reader.table["cert"] {
        case .table:
            return .issued(try certIssuanceOptions(try reader.required("cert", reader.table)))
        case .string:
            return .preloaded(cert: try url(reader, "cert")!, key: try keyLocation(reader, "pk", required: true)!)
        case nil:
            throw ConfigError(.missingKey, "\(reader.keyPath("cert")): missing required key")
        case .some:
            throw reader.invalid("cert", "expected a file:// URL or a table of issuance options")
        }
    }

    /// An EST URL; plain `http://` is allowed with a warning.
    mutating func estURL(_ reader: ConfigReader, _ key: String) throws(ConfigError) -> ConfigURL? {
        guard let parsed = try url(reader, key) else { return nil }
        if parsed.scheme == "http" {
            warnings.append(
                "Warning: \(reader.keyPath(key)): the EST server URL \"\(parsed.text)\" uses plain HTTP, so the connection is neither "
                    + "encrypted nor authenticated. Configure HTTPS on the EST server and use an https:// URL.")
        }
        return parsed
    }

    func url(_ reader: ConfigReader, _ key: String, required: Bool = false) throws(ConfigError) -> ConfigURL? {
        let text = required ? try reader.required(key, reader.string) : try reader.string(key)
        guard let text else { return nil }
        do {
            return try ConfigURL(parsing: text)
        } catch {
            throw reader.invalid(key, error.description)
        }
    }

    func keyLocation(_ reader: ConfigReader, _ key: String, required: Bool = false) throws(ConfigError) -> PreloadedKeyLocation? {
        let text = required ? try reader.required(key, reader.string) : try reader.string(key)
        guard let text else { return nil }
        do {
            return try PreloadedKeyLocation(parsing: text)
        } catch {
            throw reader.invalid(key, error.message)
        }
    }

    func requiredKeyLocation(_ reader: ConfigReader, _ key: String) throws(ConfigError) -> PreloadedKeyLocation {
        try keyLocation(reader, key, required: true)!
    }
}

extension ConfigReader {
    /// An optional sub-table. An empty one counts as read (the reader itself only marks keys inside a table).
    fileprivate func section(_ key: String) throws(ConfigError) -> ConfigReader? {
        guard let sub = try table(key) else { return nil }
        if sub.table.isEmpty { consume(key) }
        return sub
    }
}
