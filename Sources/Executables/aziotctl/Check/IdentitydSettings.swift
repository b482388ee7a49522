import ConfigFiles
import IdentityService
import TOMLConfig
import UnixSocketHTTP

/// What `aziotctl check` needs from identityd's merged configuration (`/etc/aziot/identityd/config.toml` +
/// `config.d`), read by identityd's own parser: every key of its schema is understood, anything else is reported.
///
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

    /// Reads the merged configuration with identityd's own parser (so `check` and the daemon never disagree) and
    /// keeps what the checks use. `[endpoints]` entries that are not written stay nil.
    init(_ table: ConfigTable) throws(ConfigError) {
        let configuration = try IdentitydConfiguration(table)
        hostname = configuration.hostname
        homedir = configuration.homedir
        cloudTimeoutSec = configuration.cloudTimeoutSeconds
        localGatewayHostname = configuration.provisioning.localGatewayHostname
        switch configuration.provisioning.source {
        case .manual(let manual):
            let authentication: ManualAuthentication
            switch manual.authentication {
            case .sas(let keyId): authentication = .sas(keyID: keyId)
            case .connectionString: authentication = .sas(keyID: "device-id")
            case .x509(let cert, let key, _): authentication = .x509(certID: cert, keyID: key)
            }
            provisioning = .manual(iothubHostname: manual.iothubHostname, deviceID: manual.deviceId, authentication: authentication)
        case .dps(let dps):
            let attestation: DPSAttestation
            switch dps.attestation {
            case .symmetricKey(_, let key): attestation = .symmetricKey(keyID: key)
            case .x509(_, let cert, let key, _): attestation = .x509(certID: cert, keyID: key)
            case .tpm: attestation = .tpm
            }
            provisioning = .dps(globalEndpoint: dps.globalEndpoint, scopeID: dps.scopeId, attestation: attestation)
        case .none:
            provisioning = .none
        }
        let endpoints = table["endpoints"].flatMap { value -> ConfigTable? in
            if case .table(let endpoints) = value { return endpoints }
            return nil
        }
        func written(_ key: String, _ endpoint: ServiceEndpoint) -> String? { endpoints?[key] == nil ? nil : endpoint.description }
        identitydEndpoint = written("aziot_identityd", configuration.endpoints.identityd)
        keydEndpoint = written("aziot_keyd", configuration.endpoints.keyd)
        certdEndpoint = written("aziot_certd", configuration.endpoints.certd)
        tpmdEndpoint = written("aziot_tpmd", configuration.endpoints.tpmd)
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
