import ConfigFiles
import TOMLConfig

/// What `aziotctl check` needs from identityd's merged configuration (`/etc/aziot/identityd/config.toml` +
/// `config.d`), read strictly: every key of identityd's schema is understood, anything else is reported.
///
/// identityd's own configuration type is not part of this build yet; this reader follows the same schema
/// (spec §4.3, §4.4, §4.11) and can be replaced by it without changing the checks.
struct IdentitydSettings: Sendable, Equatable {
    var hostname: String
    var homedir: String
    var cloudTimeoutSec: Int
    var provisioning: Provisioning
    /// `provisioning.local_gateway_hostname`: the parent device in nested mode.
    var localGatewayHostname: String?
    /// `[endpoints]` (each nil when not set).
    var identitydEndpoint: String?
    var keydEndpoint: String?
    var certdEndpoint: String?
    var tpmdEndpoint: String?

    enum Provisioning: Sendable, Equatable {
        case manual(iothubHostname: String, deviceID: String, authentication: ManualAuthentication)
        case dps(globalEndpoint: String, scopeID: String, attestation: DPSAttestation)
        case none

        /// The reference's names for the provisioning modes in check output.
        var mode: String {
            switch self {
            case .manual(_, _, .x509): "manual-x509"
            case .manual: "manual-other"
            case .dps(_, _, .x509): "dps-x509"
            case .dps: "dps-other"
            case .none: "none"
            }
        }
    }

    enum ManualAuthentication: Sendable, Equatable {
        case sas(keyID: String)
        case x509(certID: String, keyID: String)
    }

    enum DPSAttestation: Sendable, Equatable {
        case symmetricKey(keyID: String)
        case x509(certID: String, keyID: String)
        case tpm
    }

    static let defaultCloudTimeoutSec = 70

    /// The identity certificate id, when the device authenticates with X.509.
    var identityCertificate: (certID: String, keyID: String)? {
        switch provisioning {
        case .manual(_, _, .x509(let cert, let key)), .dps(_, _, .x509(let cert, let key)): (cert, key)
        default: nil
        }
    }

    init(_ table: ConfigTable) throws(ConfigError) {
        let reader = ConfigReader(table)
        hostname = try reader.required("hostname", reader.string)
        homedir = try reader.required("homedir", reader.string)
        _ = try reader.boolean("prefer_module_identity_cache")
        if let maxRequests = try reader.integer("max_requests"), maxRequests <= 0 {
            throw reader.invalid("max_requests", "must be a positive number of connections, found \(maxRequests)")
        }
        cloudTimeoutSec = try reader.integer("cloud_timeout_sec") ?? Self.defaultCloudTimeoutSec
        if let retries = try reader.integer("cloud_retries"), retries < 0 { throw reader.invalid("cloud_retries", "must not be negative") }

        let provisioningTable = try reader.required("provisioning", reader.table)
        localGatewayHostname = try provisioningTable.string("local_gateway_hostname")
        let source = try provisioningTable.required("source", provisioningTable.string)
        switch source {
        case "manual":
            let iothubHostname = try provisioningTable.required("iothub_hostname", provisioningTable.string)
            let deviceID = try provisioningTable.required("device_id", provisioningTable.string)
            let auth = try provisioningTable.required("authentication", provisioningTable.table)
            let method = try auth.required("method", auth.string)
            let authentication: ManualAuthentication
            switch method {
            case "sas":
                authentication = .sas(keyID: try auth.required("device_id_pk", auth.string))
            case "x509":
                authentication = .x509(certID: try auth.required("identity_cert", auth.string), keyID: try auth.required("identity_pk", auth.string))
                try Self.readSubject(auth, "csr_subject")
            default:
                throw auth.invalid("method", "expected \"sas\" or \"x509\", found \"\(method)\"")
            }
            provisioning = .manual(iothubHostname: iothubHostname, deviceID: deviceID, authentication: authentication)
        case "dps":
            if localGatewayHostname != nil {
                throw provisioningTable.invalid("source", "DPS provisioning is not supported in nested mode (local_gateway_hostname is set)")
            }
            let globalEndpoint = try provisioningTable.required("global_endpoint", provisioningTable.string)
            let scopeID = try provisioningTable.required("scope_id", provisioningTable.string)
            if let payload = try provisioningTable.table("payload") { _ = try payload.required("uri", payload.string) }
            let attestationTable = try provisioningTable.required("attestation", provisioningTable.table)
            let method = try attestationTable.required("method", attestationTable.string)
            let attestation: DPSAttestation
            switch method {
            case "symmetric_key":
                _ = try attestationTable.required("registration_id", attestationTable.string)
                attestation = .symmetricKey(keyID: try attestationTable.required("symmetric_key", attestationTable.string))
            case "x509":
                attestation = .x509(
                    certID: try attestationTable.required("identity_cert", attestationTable.string),
                    keyID: try attestationTable.required("identity_pk", attestationTable.string))
                try Self.readSubject(attestationTable, "registration_id")
                if let renew = try attestationTable.table("identity_auto_renew") {
                    _ = try renew.boolean("rotate_key")
                    _ = try renew.string("threshold")
                    _ = try renew.string("retry")
                }
            case "tpm":
                _ = try attestationTable.required("registration_id", attestationTable.string)
                attestation = .tpm
            default:
                throw attestationTable.invalid("method", "expected \"symmetric_key\", \"x509\" or \"tpm\", found \"\(method)\"")
            }
            provisioning = .dps(globalEndpoint: globalEndpoint, scopeID: scopeID, attestation: attestation)
        case "none":
            provisioning = .none
        default:
            throw provisioningTable.invalid("source", "expected \"manual\", \"dps\" or \"none\", found \"\(source)\"")
        }

        let localID = try reader.table("localid")
        if let localID { _ = try localID.required("domain", localID.string) }
        var names: Set<String> = []
        for principal in try reader.tableArray("principal") {
            let uid = try principal.required("uid", principal.integer)
            guard UInt32(exactly: uid) != nil else { throw principal.invalid("uid", "\(uid) is not a valid uid") }
            let name = try principal.required("name", principal.string)
            guard names.insert(name).inserted else { throw principal.invalid("name", "\"\(name)\" is used by more than one principal") }
            let idtypes = try principal.stringArray("idtype") ?? []
            for idtype in idtypes where !["device", "module", "local"].contains(idtype) {
                throw principal.invalid("idtype", "expected \"device\", \"module\" or \"local\", found \"\(idtype)\"")
            }
            if idtypes.contains("local") && localID == nil {
                throw principal.invalid("idtype", "\"local\" needs a top-level [localid] table with the domain of local identities")
            }
            if provisioning == .none, let cloud = idtypes.first(where: { $0 != "local" }) {
                throw principal.invalid("idtype", "\"\(cloud)\" identities need provisioning; provisioning.source is \"none\"")
            }
            if let options = try principal.table("localid") {
                guard idtypes.contains("local") else { throw principal.invalid("localid", "only allowed when idtype contains \"local\"") }
                let type = try options.required("type", options.string)
                guard type == "x509" else { throw options.invalid("type", "expected \"x509\", found \"\(type)\"") }
                if let attributes = try options.string("attributes"), !["client", "server"].contains(attributes) {
                    throw options.invalid("attributes", "expected \"client\" or \"server\", found \"\(attributes)\"")
                }
            }
        }

        let endpoints = try reader.table("endpoints")
        identitydEndpoint = try endpoints?.string("aziot_identityd")
        keydEndpoint = try endpoints?.string("aziot_keyd")
        certdEndpoint = try endpoints?.string("aziot_certd")
        tpmdEndpoint = try endpoints?.string("aziot_tpmd")
        try reader.finish()
    }

    /// A CSR subject or registration id: a common name, or a table of DN attributes.
    private static func readSubject(_ reader: ConfigReader, _ key: String) throws(ConfigError) {
        switch reader.value(key) {
        case nil, .string: return
        case .table(let table):
            for (name, value) in table {
                guard case .string = value else { throw reader.invalid("\(key).\(name)", "expected a string, found \(value.typeName)") }
            }
        case .some(let other):
            throw reader.invalid(key, "expected a common name or a table of subject attributes, found \(other.typeName)")
        }
    }
}

/// tpmd's configuration, checked against its schema: `max_requests`, `tcti`, `auth_key_index`,
/// `[hierarchy_authorization] endorsement/owner`, `[endpoints] aziot_tpmd`.
struct TpmdSettings: Sendable, Equatable {
    var endpoint: String?

    init(_ table: ConfigTable) throws(ConfigError) {
        let reader = ConfigReader(table)
        if let maxRequests = try reader.integer("max_requests"), maxRequests <= 0 {
            throw reader.invalid("max_requests", "must be a positive number of connections, found \(maxRequests)")
        }
        _ = try reader.string("tcti")
        if let index = try reader.integer("auth_key_index"), !(0...0x7F_FFFF).contains(index) {
            throw reader.invalid("auth_key_index", "expected an integer in range 0x00_00_00..=0x7F_FF_FF, found \(index)")
        }
        if let authorization = try reader.table("hierarchy_authorization") {
            _ = try authorization.string("endorsement")
            _ = try authorization.string("owner")
        }
        endpoint = try reader.table("endpoints")?.string("aziot_tpmd")
        try reader.finish()
    }
}
