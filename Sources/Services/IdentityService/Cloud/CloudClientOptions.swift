import Foundation

/// How identityd reaches IoT Hub and DPS, beyond `cloud_timeout_sec` and `cloud_retries` (which come from the
/// configuration). The defaults are the reference's behaviour (§1.7, §4.4); the rest exists so that tests and offline
/// setups can point identityd at an emulator.
public struct CloudClientOptions: Sendable {
    /// Pause between those attempts (3 s).
    public var retryDelay: Duration
    /// Waits after successive `429` answers (60, 120, 180, 300 s), each plus up to ``throttleJitter`` of its index.
    public var throttleBackoff: [Duration]
    /// Random extra wait per throttle step (10, 20, 30, 30 s).
    public var throttleJitter: [Duration]
    /// Time between DPS operation-status polls (5 s); also the wait before the first poll.
    public var dpsPollInterval: Duration
    /// PEM files of CA certificates trusted in addition to the system's roots (environment
    /// `AZIOT_IDENTITYD_TRUSTED_CA`, paths separated by `:`; for an emulator's CA — test and offline use only).
    public var additionalTrustedCAFiles: [String]
    /// TCP port of IoT Hub's REST API (443; environment `AZIOT_IDENTITYD_HUB_PORT` — test and offline use only, as an
    /// emulator listens on a free port while SAS audiences must keep the bare host name).
    public var hubPort: Int
    /// `HTTPS_PROXY` / `https_proxy`: `http://[user:password@]host[:port]`.
    public var proxy: Proxy?

    public struct Proxy: Sendable, Equatable {
        public var host: String
        public var port: Int
        public var username: String?
        public var password: String?

        /// Parses `http://[user:password@]host[:port]` (credentials percent-decoded); nil when unusable.
        public init?(parsing text: String) {
            guard let components = URLComponents(string: text), let host = components.host, !host.isEmpty else { return nil }
            self.host = host
            port = components.port ?? (components.scheme == "https" ? 443 : 80)
            username = components.percentEncodedUser.flatMap { $0.removingPercentEncoding }
            password = components.percentEncodedPassword.flatMap { $0.removingPercentEncoding }
        }
    }

    public init(
        retryDelay: Duration = .seconds(3),
        throttleBackoff: [Duration] = [.seconds(60), .seconds(120), .seconds(180), .seconds(300)],
        throttleJitter: [Duration] = [.seconds(10), .seconds(20), .seconds(30), .seconds(30)],
        dpsPollInterval: Duration = .seconds(5),
        additionalTrustedCAFiles: [String] = [],
        hubPort: Int = 443,
        proxy: Proxy? = nil
    ) {
        self.retryDelay = retryDelay
        self.throttleBackoff = throttleBackoff
        self.throttleJitter = throttleJitter
        self.dpsPollInterval = dpsPollInterval
        self.additionalTrustedCAFiles = additionalTrustedCAFiles
        self.hubPort = hubPort
        self.proxy = proxy
    }

    /// The defaults with the environment variables `AZIOT_IDENTITYD_TRUSTED_CA`, `AZIOT_IDENTITYD_HUB_PORT` and
    /// `HTTPS_PROXY`/`https_proxy` applied.
    public static func from(environment: [String: String]) -> CloudClientOptions {
        var options = CloudClientOptions()
        if let trusted = environment["AZIOT_IDENTITYD_TRUSTED_CA"] {
            options.additionalTrustedCAFiles = trusted.split(separator: ":").map(String.init)
        }
        if let port = environment["AZIOT_IDENTITYD_HUB_PORT"].flatMap(Int.init), (1...65535).contains(port) {
            options.hubPort = port
        }
        if let proxy = environment["HTTPS_PROXY"] ?? environment["https_proxy"] {
            options.proxy = Proxy(parsing: proxy)
        }
        return options
    }
}
