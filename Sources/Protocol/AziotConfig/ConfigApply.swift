public import TOMLConfig

/// `aziotctl config apply` without the I/O: turns a ``SuperConfig`` into the four services' configs
/// (written as `config.d/00-super.toml`) and the device key bytes to store when the key was given inline.
///
/// The output matches the reference byte for byte once written with ``TOMLWriter``: the same fixed ids
/// (``deviceID``, ``localCA``, ``estID``, ``estBootstrapID``, `est-server-ca-<n>`), the same principals in the
/// same order, the same key order in every table, and defaults left out.
public enum ConfigApply {
    /// The four services that receive a config.
    public enum Service: String, Sendable, CaseIterable {
        case keyd, certd, identityd, tpmd
    }

    /// Facts about the machine the configs are for.
    public struct Inputs: Sendable, Hashable {
        /// uid of `aziotcs` (certd), authorized in keyd for the keys certd uses.
        public var aziotcsUID: UInt32
        /// uid of `aziotid` (identityd), authorized in keyd and certd.
        public var aziotidUID: UInt32
        /// The host name used when the super-config sets none.
        public var machineHostname: String
        /// Where an inline device key is written (and preloaded from).
        public var deviceIDKeyPath: String

        public init(aziotcsUID: UInt32, aziotidUID: UInt32, machineHostname: String, deviceIDKeyPath: String = ConfigApply.defaultDeviceIDKeyPath) {
            self.aziotcsUID = aziotcsUID
            self.aziotidUID = aziotidUID
            self.machineHostname = machineHostname
            self.deviceIDKeyPath = deviceIDKeyPath
        }
    }

    /// The translated configs.
    public struct Output: Sendable, Equatable {
        public var keyd: ConfigTable
        public var certd: ConfigTable
        public var identityd: ConfigTable
        public var tpmd: ConfigTable
        /// The device key to write to ``Inputs/deviceIDKeyPath``, when it was given inline.
        public var deviceIDKey: [UInt8]?

        public func table(for service: Service) -> ConfigTable {
            switch service {
            case .keyd: keyd
            case .certd: certd
            case .identityd: identityd
            case .tpmd: tpmd
            }
        }

        /// The service's config as TOML text.
        public func toml(for service: Service) -> String { TOMLWriter.write(table(for: service)) }
    }

    public static let deviceID = "device-id"
    public static let localCA = "local-ca"
    public static let estID = "est-id"
    public static let estBootstrapID = "est-bootstrap-id"
    public static let masterKeyID = "aziot_identityd_master_id"
    public static let defaultDeviceIDKeyPath = "/var/secrets/aziot/keyd/device-id"
    public static let keydHomedir = "/var/lib/aziot/keyd"
    public static let certdHomedir = "/var/lib/aziot/certd"
    public static let identitydHomedir = "/var/lib/aziot/identityd"

    /// Translates `config`. The only error is DPS provisioning in nested mode, which identityd rejects.
    public static func run(_ config: SuperConfig, _ inputs: Inputs) throws(ConfigError) -> Output {
        var state = Translation(config: config)
        let provisioning = try state.provisioning(config)
        let identityd = state.identityd(config, inputs, provisioning: provisioning)
        let deviceIDKey = state.preloadDeviceKey(inputs)
        let certd = state.certd(config, inputs)
        let keyd = state.keyd(config, inputs)
        return Output(keyd: keyd, certd: certd, identityd: identityd, tpmd: tpmd(config), deviceIDKey: deviceIDKey)
    }

    private static func tpmd(_ config: SuperConfig) -> ConfigTable {
        var table = ConfigTable()
        if let limit = config.maxRequests?.tpmd, limit != SuperConfig.defaultMaxRequests { table["max_requests"] = .integer(limit) }
        let tpm = config.tpm
        if tpm.tcti != SuperConfig.TPM.defaultTCTI { table["tcti"] = .string(tpm.tcti) }
        if tpm.authKeyIndex != SuperConfig.TPM.defaultAuthKeyIndex { table["auth_key_index"] = .integer(tpm.authKeyIndex) }
        if !tpm.endorsementAuth.isEmpty || !tpm.ownerAuth.isEmpty {
            var auth = ConfigTable()
            if !tpm.endorsementAuth.isEmpty { auth["endorsement"] = .string(tpm.endorsementAuth) }
            if !tpm.ownerAuth.isEmpty { auth["owner"] = .string(tpm.ownerAuth) }
            table["hierarchy_authorization"] = .table(auth)
        }
        return table
    }
}

/// The accumulating state of one translation: who may use which key or certificate, what is preloaded,
/// which certificates certd issues.
struct Translation {
    var aziotidKeys = [ConfigApply.masterKeyID]
    var aziotidCerts: [String] = []
    var aziotcsKeys: [String] = []
    var preloadedKeys: [String: String] = [:]
    var preloadedCerts: [String: ConfigValue] = [:]
    var issuedCerts: [String: ConfigTable] = [:]
    var deviceKey: SuperConfig.SymmetricKey?

    init(config: SuperConfig) {
        for (id, location) in config.preloadedKeys { preloadedKeys[id] = location.description }
        for (id, cert) in config.preloadedCerts {
            switch cert {
            case .uri(let url): preloadedCerts[id] = .string(url.text)
            case .ids(let ids): preloadedCerts[id] = .array(ids.map { .string($0) })
            }
        }
    }

    /// EST authentication as certd reads it: flat keys naming certificate and key ids.
    struct CertdESTAuth {
        var basic: ESTAuth.Basic?
        var identity: String?
        var bootstrapIdentity: String?
    }

    // MARK: identityd

    mutating func provisioning(_ config: SuperConfig) throws(ConfigError) -> ConfigTable {
        let deviceID = ConfigApply.deviceID
        var table = ConfigTable()
        if let gateway = config.localGatewayHostname { table["local_gateway_hostname"] = .string(gateway) }
        switch config.provisioning {
        case .manualConnectionString(let connectionString):
            deviceKey = .inline(connectionString.key)
            aziotidKeys.append(deviceID)
            table["source"] = .string("manual")
            table["iothub_hostname"] = .string(connectionString.hostName)
            table["device_id"] = .string(connectionString.deviceID)
            table["authentication"] = .table(ConfigTable([("method", .string("sas")), ("device_id_pk", .string(deviceID))]))

        case .manual(let hostname, let deviceName, let authentication):
            var auth = ConfigTable()
            switch authentication {
            case .sas(let key):
                deviceKey = key
                aziotidKeys.append(deviceID)
                auth["method"] = .string("sas")
                auth["device_id_pk"] = .string(deviceID)
            case .x509(let identity):
                var csrSubject: ConfigTable?
                switch identity {
                case .issued(let options):
                    let estAuth = perCertESTAuth(options, certID: deviceID)
                    aziotidKeys.append(deviceID)
                    if case .subject(let attributes) = options.subject {
                        csrSubject = Self.csrSubject(commonName: deviceName, attributes: attributes)
                    }
                    issuedCerts[deviceID] = Self.issuanceOptions(options, estAuth)
                    aziotidCerts.append(deviceID)
                case .preloaded(let cert, let key):
                    preloadedKeys[deviceID] = key.description
                    aziotidKeys.append(deviceID)
                    preloadedCerts[deviceID] = .string(cert.text)
                }
                auth["method"] = .string("x509")
                auth["identity_cert"] = .string(deviceID)
                auth["identity_pk"] = .string(deviceID)
                if let csrSubject { auth["csr_subject"] = .table(csrSubject) }
            }
            table["source"] = .string("manual")
            table["iothub_hostname"] = .string(hostname)
            table["device_id"] = .string(deviceName)
            table["authentication"] = .table(auth)

        case .dps(let dps):
            if config.localGatewayHostname != nil {
                throw ConfigError(.invalidValue, "DPS provisioning is not supported in nested mode")
            }
            var attestation = ConfigTable()
            switch dps.attestation {
            case .symmetricKey(let registrationID, let key):
                deviceKey = key
                aziotidKeys.append(deviceID)
                attestation["method"] = .string("symmetric_key")
                attestation["registration_id"] = .string(registrationID)
                attestation["symmetric_key"] = .string(deviceID)
            case .x509(let registrationID, let identity):
                var registration: ConfigValue?
                var autoRenew: AutoRenewConfig?
                switch identity {
                case .issued(let options):
                    autoRenew = options.autoRenew
                    let estAuth = perCertESTAuth(options, certID: deviceID)
                    aziotidKeys.append(deviceID)
                    if let autoRenew {
                        // identityd renews through a temporary certificate (and key, when rotating).
                        let temp = deviceID + "-temp"
                        issuedCerts[temp] = Self.issuanceOptions(options, estAuth)
                        aziotidCerts.append(temp)
                        if autoRenew.rotateKey { aziotidKeys.append(temp) }
                    }
                    if let registrationID {
                        switch options.subject {
                        case .commonName: registration = .string(registrationID)
                        case .subject(let attributes): registration = .table(Self.csrSubject(commonName: registrationID, attributes: attributes))
                        case nil: registration = nil
                        }
                    }
                    issuedCerts[deviceID] = Self.issuanceOptions(options, estAuth)
                    aziotidCerts.append(deviceID)
                case .preloaded(let cert, let key):
                    preloadedKeys[deviceID] = key.description
                    aziotidKeys.append(deviceID)
                    preloadedCerts[deviceID] = .string(cert.text)
                    registration = registrationID.map { .string($0) }
                }
                attestation["method"] = .string("x509")
                attestation["identity_cert"] = .string(deviceID)
                attestation["identity_pk"] = .string(deviceID)
                if let registration { attestation["registration_id"] = registration }
                if let autoRenew { attestation["identity_auto_renew"] = .table(Self.autoRenewTable(autoRenew)) }
            case .tpm(let registrationID):
                attestation["method"] = .string("tpm")
                attestation["registration_id"] = .string(registrationID)
            }
            table["source"] = .string("dps")
            table["global_endpoint"] = .string(dps.globalEndpoint.text)
            table["scope_id"] = .string(dps.idScope)
            table["attestation"] = .table(attestation)
            if let payload = dps.payloadURI { table["payload"] = .table(ConfigTable([("uri", .string(payload.text))])) }

        case .none:
            table["source"] = .string("none")
        }
        return table
    }

    func identityd(_ config: SuperConfig, _ inputs: ConfigApply.Inputs, provisioning: ConfigTable) -> ConfigTable {
        var table = ConfigTable()
        table["hostname"] = .string(config.hostname ?? inputs.machineHostname)
        table["homedir"] = .string(ConfigApply.identitydHomedir)
        table["prefer_module_identity_cache"] = .boolean(config.preferModuleIdentityCache)
        if let limit = config.maxRequests?.identityd, limit != SuperConfig.defaultMaxRequests { table["max_requests"] = .integer(limit) }
        if config.cloudTimeoutSec != SuperConfig.defaultCloudTimeoutSec { table["cloud_timeout_sec"] = .integer(config.cloudTimeoutSec) }
        if config.cloudRetries != SuperConfig.defaultCloudRetries { table["cloud_retries"] = .integer(config.cloudRetries) }
        table["provisioning"] = .table(provisioning)
        if let domain = config.localIDDomain { table["localid"] = .table(ConfigTable([("domain", .string(domain))])) }
        return table
    }

    /// Preloads the device key in keyd; returns the bytes to write when it was inline.
    mutating func preloadDeviceKey(_ inputs: ConfigApply.Inputs) -> [UInt8]? {
        switch deviceKey {
        case .inline(let bytes):
            preloadedKeys[ConfigApply.deviceID] = ConfigURL.fileURL(path: inputs.deviceIDKeyPath)
            return bytes
        case .preloaded(let location):
            preloadedKeys[ConfigApply.deviceID] = location.description
            return nil
        case nil:
            return nil
        }
    }

    // MARK: certd

    mutating func certd(_ config: SuperConfig, _ inputs: ConfigApply.Inputs) -> ConfigTable {
        var issuance = ConfigTable()
        if let est = config.certIssuance.est {
            var estTable = ConfigTable()
            var auth: CertdESTAuth?
            if let superAuth = est.auth {
                var certdAuth = CertdESTAuth(basic: superAuth.basic)
                switch superAuth.x509 {
                case .bootstrapIdentity(let cert, let key):
                    preloadedCerts[ConfigApply.estBootstrapID] = .string(cert.text)
                    preloadedKeys[ConfigApply.estBootstrapID] = key.description
                    aziotcsKeys.append(ConfigApply.estBootstrapID)
                    aziotcsKeys.append(ConfigApply.estID)
                    // certd rotates the EST identity key through a temporary key.
                    if est.identityAutoRenew.rotateKey { aziotcsKeys.append(ConfigApply.estID + "-temp") }
                    certdAuth.identity = ConfigApply.estID
                    certdAuth.bootstrapIdentity = ConfigApply.estBootstrapID
                case .identity(let cert, let key):
                    preloadedCerts[ConfigApply.estID] = .string(cert.text)
                    preloadedKeys[ConfigApply.estID] = key.description
                    aziotcsKeys.append(ConfigApply.estID)
                    certdAuth.identity = ConfigApply.estID
                case nil:
                    break
                }
                auth = certdAuth
            }
            var trusted: [ConfigValue] = []
            for (index, url) in est.trustedCerts.enumerated() {
                let id = "est-server-ca-\(index + 1)"
                preloadedCerts[id] = .string(url.text)
                trusted.append(.string(id))
            }
            if !trusted.isEmpty { estTable["trusted_certs"] = .array(trusted) }
            if let auth { Self.addESTAuth(auth, to: &estTable) }
            if !est.identityAutoRenew.isDefault { estTable["identity_auto_renew"] = .table(Self.autoRenewTable(est.identityAutoRenew)) }
            if !est.urls.isEmpty {
                var urls = ConfigTable()
                for id in Self.sorted(est.urls.keys) { urls[id] = .string(est.urls[id]!.text) }
                estTable["urls"] = .table(urls)
            }
            issuance["est"] = .table(estTable)
        }
        switch config.certIssuance.localCA {
        case .issued(let options):
            aziotcsKeys.append(ConfigApply.localCA)
            issuedCerts[ConfigApply.localCA] = Self.issuanceOptions(options, nil)
            issuance["local_ca"] = .table(Self.certWithKey(ConfigApply.localCA))
        case .preloaded(let cert, let key):
            preloadedCerts[ConfigApply.localCA] = .string(cert.text)
            preloadedKeys[ConfigApply.localCA] = key.description
            aziotcsKeys.append(ConfigApply.localCA)
            issuance["local_ca"] = .table(Self.certWithKey(ConfigApply.localCA))
        case nil:
            break
        }
        for id in Self.sorted(issuedCerts.keys) { issuance[id] = .table(issuedCerts[id]!) }

        var table = ConfigTable()
        table["homedir_path"] = .string(ConfigApply.certdHomedir)
        if let limit = config.maxRequests?.certd, limit != SuperConfig.defaultMaxRequests { table["max_requests"] = .integer(limit) }
        table["cert_issuance"] = .table(issuance)
        var certs = ConfigTable()
        for id in Self.sorted(preloadedCerts.keys) { certs[id] = preloadedCerts[id]! }
        table["preloaded_certs"] = .table(certs)
        if !aziotidCerts.isEmpty {
            table["principal"] = .array([.table(Self.principal(uid: inputs.aziotidUID, "certs", aziotidCerts))])
        }
        return table
    }

    // MARK: keyd

    func keyd(_ config: SuperConfig, _ inputs: ConfigApply.Inputs) -> ConfigTable {
        var table = ConfigTable()
        if let limit = config.maxRequests?.keyd, limit != SuperConfig.defaultMaxRequests { table["max_requests"] = .integer(limit) }
        var aziotKeys = config.aziotKeys
        aziotKeys["homedir_path"] = ConfigApply.keydHomedir
        var keysTable = ConfigTable()
        for name in Self.sorted(aziotKeys.keys) { keysTable[name] = .string(aziotKeys[name]!) }
        table["aziot_keys"] = .table(keysTable)
        var preloaded = ConfigTable()
        for id in Self.sorted(preloadedKeys.keys) { preloaded[id] = .string(preloadedKeys[id]!) }
        table["preloaded_keys"] = .table(preloaded)
        var principals: [ConfigValue] = [.table(Self.principal(uid: inputs.aziotidUID, "keys", aziotidKeys))]
        if !aziotcsKeys.isEmpty { principals.append(.table(Self.principal(uid: inputs.aziotcsUID, "keys", aziotcsKeys))) }
        table["principal"] = .array(principals)
        return table
    }

    // MARK: Helpers

    /// The EST authentication of one issued certificate: its bootstrap and identity credentials become
    /// preloaded `est-bootstrap-id-<cert>` / `est-id-<cert>`, usable by certd.
    mutating func perCertESTAuth(_ options: CertIssuanceOptions, certID: String) -> CertdESTAuth? {
        guard case .est(_, let auth) = options.method, let auth else { return nil }
        var result = CertdESTAuth(basic: auth.basic)
        guard let x509 = auth.x509 else { return result }
        let identityID = "\(ConfigApply.estID)-\(certID)"
        switch x509 {
        case .bootstrapIdentity(let cert, let key):
            let bootstrapID = "\(ConfigApply.estBootstrapID)-\(certID)"
            preloadedCerts[bootstrapID] = .string(cert.text)
            preloadedKeys[bootstrapID] = key.description
            aziotcsKeys.append(bootstrapID)
            // certd rotates this EST identity key through a temporary key.
            aziotcsKeys.append(identityID + "-temp")
            result.bootstrapIdentity = bootstrapID
        case .identity(let cert, let key):
            preloadedCerts[identityID] = .string(cert.text)
            preloadedKeys[identityID] = key.description
        }
        aziotcsKeys.append(identityID)
        result.identity = identityID
        return result
    }

    /// certd's `[cert_issuance.<id>]` table.
    static func issuanceOptions(_ options: CertIssuanceOptions, _ auth: CertdESTAuth?) -> ConfigTable {
        var table = ConfigTable()
        switch options.method {
        case .est(let url, _):
            table["method"] = .string("est")
            if let url { table["url"] = .string(url.text) }
            if let auth { addESTAuth(auth, to: &table) }
        case .localCA:
            table["method"] = .string("local_ca")
        case .selfSigned:
            table["method"] = .string("self_signed")
        }
        if let days = options.expiryDays { table["expiry_days"] = .integer(days) }
        switch options.subject {
        case .commonName(let name):
            table["common_name"] = .string(name)
        case .subject(let attributes):
            table["subject"] = .table(ConfigTable(attributes.map { (key: $0.name, value: ConfigValue.string($0.value)) }))
        case nil:
            break
        }
        return table
    }

    static func addESTAuth(_ auth: CertdESTAuth, to table: inout ConfigTable) {
        if let basic = auth.basic {
            table["username"] = .string(basic.username)
            table["password"] = .string(basic.password)
        }
        if let identity = auth.identity {
            table["identity_cert"] = .string(identity)
            table["identity_pk"] = .string(identity)
            if let bootstrap = auth.bootstrapIdentity {
                table["bootstrap_identity_cert"] = .string(bootstrap)
                table["bootstrap_identity_pk"] = .string(bootstrap)
            }
        }
    }

    /// identityd's CSR subject: `CN` first, then the other attributes upper-cased, sorted, without any CN.
    static func csrSubject(commonName: String, attributes: [CertSubject.Attribute]) -> ConfigTable {
        var rest: [String: String] = [:]
        for attribute in attributes where attribute.name.uppercased() != "CN" {
            rest[attribute.name.uppercased()] = attribute.value
        }
        var table = ConfigTable([("CN", .string(commonName))])
        for name in sorted(rest.keys) { table[name] = .string(rest[name]!) }
        return table
    }

    static func autoRenewTable(_ config: AutoRenewConfig) -> ConfigTable {
        ConfigTable([
            ("rotate_key", .boolean(config.rotateKey)),
            ("threshold", .string(config.threshold.description)),
            ("retry", .string(config.retry.description)),
        ])
    }

    static func certWithKey(_ id: String) -> ConfigTable {
        ConfigTable([("cert", .string(id)), ("pk", .string(id))])
    }

    static func principal(uid: UInt32, _ key: String, _ ids: [String]) -> ConfigTable {
        ConfigTable([("uid", .integer(Int(uid))), (key, .array(ids.map { .string($0) }))])
    }

    /// Keys in byte order, as the reference's ordered maps keep them.
    static func sorted(_ keys: some Sequence<String>) -> [String] {
        keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }
}
