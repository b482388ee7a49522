
/// The whole `/etc/aziot/config.toml` ("super-config") from which `aziotctl config apply` writes the four
/// services' configs. Parsing is strict: wrong types, missing keys and invalid values are errors naming the
/// key path, and keys nothing reads are reported (``init(parsing:unknownKeys:)``) instead of ignored.
public struct SuperConfig: Sendable, Hashable {
    /// The device's host name; the machine's host name when absent.
    public var hostname: String?
    /// `local_gateway_hostname` (or its alias `parent_hostname`): the parent device in nested mode.
    public var localGatewayHostname: String?
    /// Per-attempt timeout for cloud requests, at least 70 s.
    public var cloudTimeoutSec: Int
    public var cloudRetries: Int
    /// `[aziot_max_requests]`; all four services' limits, or nil for the default (10 each).
    public var maxRequests: MaxRequests?
    public var preferModuleIdentityCache: Bool
    public var provisioning: Provisioning
    /// `[localid] domain`.
    public var localIDDomain: String?
    /// `[aziot_keys]`, passed to keyd (its `homedir_path` is always replaced).
    public var aziotKeys: [String: String]
    public var preloadedKeys: [String: PreloadedKeyLocation]
    public var certIssuance: CertIssuance
    public var preloadedCerts: [String: PreloadedCert]
    public var tpm: TPM
    /// The IoT Edge keys (`[agent]`, `[edge_ca]`, `[moby_runtime]` …), which `iotedge config apply` translates.
    public var edge: EdgeSettings
    /// Things worth telling the user that are not errors (e.g. EST over plain HTTP).
    public var warnings: [String]
    /// Key paths nothing read, when parsed with `unknownKeys: .collect`.
    public var unknownKeys: [String]

    public static let defaultCloudTimeoutSec = 70
    public static let defaultCloudRetries = 1
    public static let defaultMaxRequests = 10

    public init(
        hostname: String? = nil,
        localGatewayHostname: String? = nil,
        cloudTimeoutSec: Int = SuperConfig.defaultCloudTimeoutSec,
        cloudRetries: Int = SuperConfig.defaultCloudRetries,
        maxRequests: MaxRequests? = nil,
        preferModuleIdentityCache: Bool = false,
        provisioning: Provisioning,
        localIDDomain: String? = nil,
        aziotKeys: [String: String] = [:],
        preloadedKeys: [String: PreloadedKeyLocation] = [:],
        certIssuance: CertIssuance = CertIssuance(),
        preloadedCerts: [String: PreloadedCert] = [:],
        tpm: TPM = TPM(),
        edge: EdgeSettings = EdgeSettings(),
        warnings: [String] = [],
        unknownKeys: [String] = []
    ) {
        self.hostname = hostname
        self.localGatewayHostname = localGatewayHostname
        self.cloudTimeoutSec = cloudTimeoutSec
        self.cloudRetries = cloudRetries
        self.maxRequests = maxRequests
        self.preferModuleIdentityCache = preferModuleIdentityCache
        self.provisioning = provisioning
        self.localIDDomain = localIDDomain
        self.aziotKeys = aziotKeys
        self.preloadedKeys = preloadedKeys
        self.certIssuance = certIssuance
        self.preloadedCerts = preloadedCerts
        self.tpm = tpm
        self.edge = edge
        self.warnings = warnings
        self.unknownKeys = unknownKeys
    }

    /// `[aziot_max_requests]`: simultaneous connections per uid for each service.
    public struct MaxRequests: Sendable, Hashable {
        public var keyd: Int
        public var certd: Int
        public var tpmd: Int
        public var identityd: Int
        public init(keyd: Int, certd: Int, tpmd: Int, identityd: Int) {
            self.keyd = keyd
            self.certd = certd
            self.tpmd = tpmd
            self.identityd = identityd
        }
    }

    /// `[provisioning]`.
    public enum Provisioning: Sendable, Hashable {
        /// `source = "manual"` with `connection_string`.
        case manualConnectionString(ManualConnectionString)
        /// `source = "manual"` with `iothub_hostname`, `device_id` and `[provisioning.authentication]`.
        case manual(iothubHostname: String, deviceID: String, authentication: ManualAuthentication)
        /// `source = "dps"`.
        case dps(DPS)
        /// `source = "none"`: local identities only.
        case none
    }

    /// `[provisioning.authentication]` of manual provisioning.
    public enum ManualAuthentication: Sendable, Hashable {
        /// `method = "sas"`, `device_id_pk = { value | uri }`.
        case sas(SymmetricKey)
        /// `method = "x509"`.
        case x509(X509Identity)
    }

    /// `source = "dps"`.
    public struct DPS: Sendable, Hashable {
        public var globalEndpoint: ConfigURL
        /// `id_scope` (identityd's `scope_id`).
        public var idScope: String
        public var attestation: DPSAttestation
        /// `payload = { uri = "file:///…json" }`.
        public var payloadURI: ConfigURL?

        public init(globalEndpoint: ConfigURL, idScope: String, attestation: DPSAttestation, payloadURI: ConfigURL? = nil) {
            self.globalEndpoint = globalEndpoint
            self.idScope = idScope
            self.attestation = attestation
            self.payloadURI = payloadURI
        }
    }

    /// `[provisioning.attestation]`.
    public enum DPSAttestation: Sendable, Hashable {
        case symmetricKey(registrationID: String, key: SymmetricKey)
        case x509(registrationID: String?, identity: X509Identity)
        case tpm(registrationID: String)
    }

    /// A symmetric key given inline (`{ value = "<base64>" }`) or by location (`{ uri = "…" }`).
    public enum SymmetricKey: Sendable, Hashable {
        case inline([UInt8])
        case preloaded(PreloadedKeyLocation)
    }

    /// An X.509 identity: a preloaded certificate file and key, or a certificate to be issued.
    public enum X509Identity: Sendable, Hashable {
        case preloaded(cert: ConfigURL, key: PreloadedKeyLocation)
        case issued(CertIssuanceOptions)
    }

    /// `[cert_issuance]` of the super-config.
    public struct CertIssuance: Sendable, Hashable {
        public var est: EST?
        public var localCA: LocalCA?
        public init(est: EST? = nil, localCA: LocalCA? = nil) {
            self.est = est
            self.localCA = localCA
        }
    }

    /// `[cert_issuance.est]`.
    public struct EST: Sendable, Hashable {
        /// Root certificates (file URLs) trusted for the EST server's TLS certificate.
        public var trustedCerts: [ConfigURL]
        public var identityAutoRenew: AutoRenewConfig
        public var auth: ESTAuth?
        /// Certificate id (or `default`) → EST URL.
        public var urls: [String: ConfigURL]

        public init(trustedCerts: [ConfigURL] = [], identityAutoRenew: AutoRenewConfig = .default, auth: ESTAuth? = nil, urls: [String: ConfigURL] = [:]) {
            self.trustedCerts = trustedCerts
            self.identityAutoRenew = identityAutoRenew
            self.auth = auth
            self.urls = urls
        }
    }

    /// `[cert_issuance.local_ca]`: a preloaded CA (`cert` file URL + `pk`) or one to be issued (`cert = { … }`).
    public enum LocalCA: Sendable, Hashable {
        case preloaded(cert: ConfigURL, key: PreloadedKeyLocation)
        case issued(CertIssuanceOptions)
    }

    /// A `[preloaded_certs]` entry.
    public enum PreloadedCert: Sendable, Hashable {
        case uri(ConfigURL)
        /// Other certificate ids whose PEMs are concatenated (trust bundles).
        case ids([String])
    }

    /// `[tpm]`.
    public struct TPM: Sendable, Hashable {
        public var tcti: String
        public var authKeyIndex: Int
        public var endorsementAuth: String
        public var ownerAuth: String

        public static let defaultTCTI = "device"
        public static let defaultAuthKeyIndex = 0x100
        /// The largest persistent-handle offset (TPM 2.0 part 3, 28.5.1).
        public static let maxAuthKeyIndex = 0x7F_FFFF

        public init(tcti: String = TPM.defaultTCTI, authKeyIndex: Int = TPM.defaultAuthKeyIndex, endorsementAuth: String = "", ownerAuth: String = "") {
            self.tcti = tcti
            self.authKeyIndex = authKeyIndex
            self.endorsementAuth = endorsementAuth
            self.ownerAuth = ownerAuth
        }
    }
}
