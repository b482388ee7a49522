public import TOMLConfig

/// The IoT Edge part of the super-config: the keys `iotedge config apply` turns into aziot-edged's
/// `00-super.toml` and into the Edge additions to keyd, certd and identityd (``EdgeConfigApply``).
///
/// Every field holds the value the file gave or the documented default, so that a super-config without any
/// edge key yields ``EdgeSettings/init()`` (``isPresent`` false).
public struct EdgeSettings: Sendable, Equatable {
    /// Whether the file had any edge key at all (`aziotctl config apply` says it leaves them to `iotedge`).
    public var isPresent: Bool
    /// `trust_bundle_cert`: extra trusted CA certificates (file URL), preloaded as `trust-bundle-user`.
    public var trustBundleCert: ConfigURL?
    /// `allow_elevated_docker_permissions`; nil when absent (edged's default, true, is then written).
    public var allowElevatedDockerPermissions: Bool?
    public var autoReprovisioningMode: AutoReprovisioningMode
    /// `imported_master_encryption_key`: the path of a 1.1 master encryption key to preload.
    public var importedMasterEncryptionKey: String?
    /// `additional_info`: a `file:` URL of a TOML file of string pairs, read by `config apply`.
    public var additionalInfo: ConfigURL?
    /// `[iotedge_max_requests]`; nil when absent or both limits are at their defaults.
    public var maxRequests: MaxRequests?
    public var agent: Agent
    public var connect: SocketURIs
    public var listen: SocketURIs
    /// `[listen] min_tls_version`, passed through.
    public var listenMinTLSVersion: String?
    /// `[watchdog] max_retries`: nil is `"infinite"`.
    public var watchdogMaxRetries: Int?
    /// `[edge_ca]`; nil means quickstart with 90 days and default auto-renewal.
    public var edgeCA: EdgeCA?
    public var mobyRuntime: MobyRuntime
    /// `[image_garbage_collection]`; nil when absent or all at defaults.
    public var imageGarbageCollection: ImageGarbageCollection?

    public init() {
        isPresent = false
        trustBundleCert = nil
        allowElevatedDockerPermissions = nil
        autoReprovisioningMode = .dynamic
        importedMasterEncryptionKey = nil
        additionalInfo = nil
        maxRequests = nil
        agent = Agent()
        connect = .defaultConnect
        listen = .defaultListen
        listenMinTLSVersion = nil
        watchdogMaxRetries = nil
        edgeCA = nil
        mobyRuntime = MobyRuntime()
        imageGarbageCollection = nil
    }

    /// `auto_reprovisioning_mode`.
    public enum AutoReprovisioningMode: String, Sendable, Hashable, CaseIterable {
        case dynamic = "Dynamic"
        case alwaysOnStartup = "AlwaysOnStartup"
        case onErrorOnly = "OnErrorOnly"
    }

    /// `[iotedge_max_requests]`: simultaneous requests per caller on edged's two sockets.
    public struct MaxRequests: Sendable, Hashable {
        public var management: Int
        public var workload: Int
        public static let defaultManagement = 50
        public static let defaultWorkload = 10
        public init(management: Int = MaxRequests.defaultManagement, workload: Int = MaxRequests.defaultWorkload) {
            self.management = management
            self.workload = workload
        }
        public var isDefault: Bool { management == Self.defaultManagement && workload == Self.defaultWorkload }
    }

    /// `[agent]`: the edgeAgent module edged bootstraps.
    public struct Agent: Sendable, Equatable {
        public var name: String
        public var type: String
        /// `"on-create"` or `"never"`.
        public var imagePullPolicy: String
        public var image: String
        /// `[agent.config.createOptions]`: the Docker create options, as TOML mirroring the JSON.
        public var createOptions: ConfigTable
        /// `[agent.config.auth]`: `serveraddress`, `username`, `password` (and `email`), in file order.
        public var auth: ConfigTable
        /// `[agent.env]`, in file order (numbers and booleans as their text).
        public var env: [(key: String, value: String)]

        public static let defaultImage = "mcr.microsoft.com/azureiotedge-agent:1.6"

        public init(
            name: String = "edgeAgent", type: String = "docker", imagePullPolicy: String = "on-create", image: String = Agent.defaultImage,
            createOptions: ConfigTable = ConfigTable(), auth: ConfigTable = ConfigTable(), env: [(key: String, value: String)] = []
        ) {
            self.name = name
            self.type = type
            self.imagePullPolicy = imagePullPolicy
            self.image = image
            self.createOptions = createOptions
            self.auth = auth
            self.env = env
        }

        public static func == (lhs: Agent, rhs: Agent) -> Bool {
            lhs.name == rhs.name && lhs.type == rhs.type && lhs.imagePullPolicy == rhs.imagePullPolicy && lhs.image == rhs.image
                && lhs.createOptions == rhs.createOptions && lhs.auth == rhs.auth
                && lhs.env.map(\.key) == rhs.env.map(\.key) && lhs.env.map(\.value) == rhs.env.map(\.value)
        }
    }

    /// `[connect]` / `[listen]` socket URIs.
    public struct SocketURIs: Sendable, Hashable {
        public var workloadURI: String
        public var managementURI: String
        public init(workloadURI: String, managementURI: String) {
            self.workloadURI = workloadURI
            self.managementURI = managementURI
        }
        public static let defaultConnect = SocketURIs(
            workloadURI: "unix:///var/run/iotedge/workload.sock", managementURI: "unix:///var/run/iotedge/mgmt.sock")
        public static let defaultListen = SocketURIs(
            workloadURI: "fd://aziot-edged.workload.socket", managementURI: "fd://aziot-edged.mgmt.socket")
    }

    /// `[edge_ca]`, in exactly one of its shapes.
    public enum EdgeCA: Sendable, Hashable {
        /// `auto_generated_edge_ca_expiry_days = N`, optional `[edge_ca.auto_renew]` and subject: a self-signed
        /// CA issued by certd.
        case quickstart(expiryDays: Int, autoRenew: AutoRenewConfig, subject: CertSubject?)
        /// `cert = "file:…"`, `pk = "file:…" | "pkcs11:…"`: a CA the user provides (never renewed).
        case preloaded(cert: ConfigURL, key: PreloadedKeyLocation)
        /// `method = "est" | "local_ca" | "self_signed"` with the issuance options (auto-renewal defaults on).
        case issued(CertIssuanceOptions)

        public static let defaultExpiryDays = 90
    }

    /// `[moby_runtime]`.
    public struct MobyRuntime: Sendable, Hashable {
        public var uri: String
        public var network: Network
        /// `[moby_runtime.content_trust.ca_certs]`: registry host name → CA certificate file URL, in file order.
        public var contentTrustCACerts: [ContentTrustCert]?

        public static let defaultURI = "unix:///var/run/docker.sock"

        public init(uri: String = MobyRuntime.defaultURI, network: Network = .name(Network.defaultName), contentTrustCACerts: [ContentTrustCert]? = nil) {
            self.uri = uri
            self.network = network
            self.contentTrustCACerts = contentTrustCACerts
        }

        public struct ContentTrustCert: Sendable, Hashable {
            public var hostname: String
            public var cert: ConfigURL
            public init(hostname: String, cert: ConfigURL) {
                self.hostname = hostname
                self.cert = cert
            }
        }

        /// `network = "<name>"` or the table form.
        public enum Network: Sendable, Hashable {
            case name(String)
            case table(name: String, ipv6: Bool?, ipam: [IPAMConfig]?)
            public static let defaultName = "azure-iot-edge"
        }

        /// One `[[moby_runtime.network.ipam.config]]` entry.
        public struct IPAMConfig: Sendable, Hashable {
            public var gateway: String?
            public var subnet: String?
            public var ipRange: String?
            public init(gateway: String? = nil, subnet: String? = nil, ipRange: String? = nil) {
                self.gateway = gateway
                self.subnet = subnet
                self.ipRange = ipRange
            }
        }
    }

    /// `[image_garbage_collection]`, values kept as written (validated).
    public struct ImageGarbageCollection: Sendable, Hashable {
        public var enabled: Bool
        public var cleanupRecurrence: String
        public var imageAgeCleanupThreshold: String
        public var cleanupTime: String
        public init(enabled: Bool = true, cleanupRecurrence: String = "1d", imageAgeCleanupThreshold: String = "7d", cleanupTime: String = "00:00") {
            self.enabled = enabled
            self.cleanupRecurrence = cleanupRecurrence
            self.imageAgeCleanupThreshold = imageAgeCleanupThreshold
            self.cleanupTime = cleanupTime
        }
    }
}
