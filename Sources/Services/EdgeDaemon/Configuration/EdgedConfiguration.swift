public import AziotConfig

/// aziot-edged's configuration: `/etc/aziot/edged/config.toml` plus `config.d/*.toml` (what `iotedge config apply`
/// generates as `00-super.toml`), or the files named by `AZIOT_EDGED_CONFIG` / `AZIOT_EDGED_CONFIG_DIR`.
/// Every section but `hostname` has the reference's default. Keys nothing reads are reported, not ignored.
public struct EdgedConfiguration: Sendable {
    /// The device's host name (`EdgeDeviceHostName`, edgeHub's certificate name).
    public var hostname: String
    /// State: `cache/`, `mnt/` (workload sockets), `gc/`. Default `/var/lib/aziot/edged`.
    public var homedir: String
    /// certd id of the trust bundle the workload API serves (`aziot-edged-trust-bundle` once applied).
    public var trustBundleCert: String?
    /// certd id of the manifest trust bundle (never set by `config apply`).
    public var manifestTrustBundleCert: String?
    public var autoReprovisioningMode: AutoReprovisioningMode
    /// When false, `Privileged` and `CapAdd` are removed from create options and `CHOWN`, `SETUID` dropped.
    public var allowElevatedDockerPermissions: Bool
    public var maxRequests: MaxRequests
    public var edgeCA: EdgeCASettings
    public var agent: AgentSettings
    public var connect: SocketURIs
    public var listen: SocketURIs
    public var watchdog: WatchdogSettings
    public var endpoints: Endpoints
    /// Extra `/systeminfo` properties, in file order.
    public var additionalInfo: [(key: String, value: String)]
    public var imageGarbageCollection: ImageGarbageCollectionSettings
    public var moby: MobyRuntimeSettings

    public enum AutoReprovisioningMode: String, Sendable, Hashable {
        /// Reprovision when identityd reports an error getting the device, or when edgeAgent asks.
        case dynamic = "Dynamic"
        /// Also at every start.
        case alwaysOnStartup = "AlwaysOnStartup"
        /// Only the implicit fallback.
        case onErrorOnly = "OnErrorOnly"
    }

    /// `[iotedge_max_requests]`: connections per uid at once on each socket.
    public struct MaxRequests: Sendable, Hashable {
        public var management: Int
        public var workload: Int
        public init(management: Int = 50, workload: Int = 10) {
            self.management = management
            self.workload = workload
        }
    }

    /// `[edge_ca]`: the ids of the Edge CA in certd and keyd, the subject of a new CA and its renewal policy.
    public struct EdgeCASettings: Sendable {
        public var certId: String
        public var keyId: String
        public var subject: EdgeCASubject?
        /// `[edge_ca.auto_renew]`; nil (absent): edged does not renew the CA (a preloaded CA, as in the reference).
        public var autoRenew: AutoRenewConfig?
        public init(
            certId: String = "aziot-edged-ca", keyId: String = "aziot-edged-ca", subject: EdgeCASubject? = nil,
            autoRenew: AutoRenewConfig? = nil
        ) {
            self.certId = certId
            self.keyId = keyId
            self.subject = subject
            self.autoRenew = autoRenew
        }
    }

    /// `[agent]`: the edgeAgent container edged bootstraps and keeps running.
    public struct AgentSettings: Sendable {
        public var name: String
        public var type: String
        public var imagePullPolicy: ImagePullPolicy
        /// `[agent.config]`: image, createOptions (a TOML table mirroring Docker's JSON), auth.
        public var config: DockerConfig
        /// `[agent.env]`, in file order.
        public var env: [ModuleEnvVar]

        public init(
            name: String = "edgeAgent", type: String = "docker", imagePullPolicy: ImagePullPolicy = .onCreate,
            config: DockerConfig = DockerConfig(image: "mcr.microsoft.com/azureiotedge-agent:1.6"), env: [ModuleEnvVar] = []
        ) {
            self.name = name
            self.type = type
            self.imagePullPolicy = imagePullPolicy
            self.config = config
            self.env = env
        }
    }

    /// `[connect]` (what modules and the CLI use) or `[listen]` (what edged binds).
    public struct SocketURIs: Sendable, Hashable {
        public var workloadURI: String
        public var managementURI: String
        public init(workloadURI: String, managementURI: String) {
            self.workloadURI = workloadURI
            self.managementURI = managementURI
        }
        public static let defaultConnect = SocketURIs(
            workloadURI: "unix:///var/run/iotedge/workload.sock", managementURI: "unix:///var/run/iotedge/mgmt.sock"
        )
        public static let defaultListen = SocketURIs(
            workloadURI: "fd://aziot-edged.workload.socket", managementURI: "fd://aziot-edged.mgmt.socket"
        )
    }

    /// `[watchdog]`.
    public struct WatchdogSettings: Sendable, Hashable {
        /// Failed attempts to keep edgeAgent running before edged exits; nil: `"infinite"` (the default).
        public var maxRetries: Int?
        public init(maxRetries: Int? = nil) { self.maxRetries = maxRetries }
    }

    /// `[endpoints]`: the sibling daemons' sockets (the reference reads it in debug builds only; tests need it).
    public struct Endpoints: Sendable, Hashable {
        public var certd: String
        public var keyd: String
        public var identityd: String
        public init(
            certd: String = "unix:///run/aziot/certd.sock", keyd: String = "unix:///run/aziot/keyd.sock",
            identityd: String = "unix:///run/aziot/identityd.sock"
        ) {
            self.certd = certd
            self.keyd = keyd
            self.identityd = identityd
        }
    }

    /// `[image_garbage_collection]`.
    public struct ImageGarbageCollectionSettings: Sendable, Hashable {
        public var enabled: Bool
        /// Whole days between runs (default 1).
        public var cleanupRecurrenceDays: Int
        /// An unused image older than this (seconds, default 7 days) is removed.
        public var imageAgeCleanupThreshold: Int
        /// Local time of day of the first run, minutes after midnight (default 0: `00:00`).
        public var cleanupTimeMinutes: Int
        public init(enabled: Bool = true, cleanupRecurrenceDays: Int = 1, imageAgeCleanupThreshold: Int = 7 * 86_400, cleanupTimeMinutes: Int = 0) {
            self.enabled = enabled
            self.cleanupRecurrenceDays = cleanupRecurrenceDays
            self.imageAgeCleanupThreshold = imageAgeCleanupThreshold
            self.cleanupTimeMinutes = cleanupTimeMinutes
        }
    }

    /// `[moby_runtime]`.
    public struct MobyRuntimeSettings: Sendable, Hashable {
        /// The engine's socket, `unix:///var/run/docker.sock`.
        public var uri: String
        public var network: NetworkSettings
        /// `[moby_runtime.content_trust.ca_certs]`: registry host name → certd id (content trust itself is not
        /// enforced, as in the reference).
        public var contentTrustCACerts: [String: String]
        public init(uri: String = "unix:///var/run/docker.sock", network: NetworkSettings = NetworkSettings(), contentTrustCACerts: [String: String] = [:]) {
            self.uri = uri
            self.network = network
            self.contentTrustCACerts = contentTrustCACerts
        }
    }

    /// `moby_runtime.network`: a name, or `{name, ipv6, ipam.config[{gateway, subnet, ip_range}]}`.
    public struct NetworkSettings: Sendable, Hashable {
        public var name: String
        public var ipv6: Bool?
        /// IPAM entries in Docker's names (`Gateway`, `Subnet`, `IPRange`).
        public var ipam: [[String: String]]
        public init(name: String = "azure-iot-edge", ipv6: Bool? = nil, ipam: [[String: String]] = []) {
            self.name = name
            self.ipv6 = ipv6
            self.ipam = ipam
        }
    }

    public init(
        hostname: String,
        homedir: String = "/var/lib/aziot/edged",
        trustBundleCert: String? = nil,
        manifestTrustBundleCert: String? = nil,
        autoReprovisioningMode: AutoReprovisioningMode = .dynamic,
        allowElevatedDockerPermissions: Bool = true,
        maxRequests: MaxRequests = MaxRequests(),
        edgeCA: EdgeCASettings = EdgeCASettings(),
        agent: AgentSettings = AgentSettings(),
        connect: SocketURIs = .defaultConnect,
        listen: SocketURIs = .defaultListen,
        watchdog: WatchdogSettings = WatchdogSettings(),
        endpoints: Endpoints = Endpoints(),
        additionalInfo: [(key: String, value: String)] = [],
        imageGarbageCollection: ImageGarbageCollectionSettings = ImageGarbageCollectionSettings(),
        moby: MobyRuntimeSettings = MobyRuntimeSettings()
    ) {
        self.hostname = hostname
        self.homedir = homedir
        self.trustBundleCert = trustBundleCert
        self.manifestTrustBundleCert = manifestTrustBundleCert
        self.autoReprovisioningMode = autoReprovisioningMode
        self.allowElevatedDockerPermissions = allowElevatedDockerPermissions
        self.maxRequests = maxRequests
        self.edgeCA = edgeCA
        self.agent = agent
        self.connect = connect
        self.listen = listen
        self.watchdog = watchdog
        self.endpoints = endpoints
        self.additionalInfo = additionalInfo
        self.imageGarbageCollection = imageGarbageCollection
        self.moby = moby
    }
}
