public import NIOCore
public import NIOSSL

/// Everything an ``MQTTServer`` can be told, each with a default that suits a local broker.
public struct MQTTServerConfiguration: Sendable {
    /// TLS settings of a listener.
    public struct TLS: Sendable {
        public var configuration: TLSConfiguration
        /// Accept any client certificate chain in the handshake and hand it to the authenticator, which decides
        /// (IoT Hub's X.509 thumbprint and CA checks happen there). Requires a configuration that requests
        /// client certificates (``MQTTTLSConfiguration/ClientCertificates/optional``).
        public var acceptsAnyClientCertificate: Bool

        public init(configuration: TLSConfiguration, acceptsAnyClientCertificate: Bool = false) {
            self.configuration = configuration
            self.acceptsAnyClientCertificate = acceptsAnyClientCertificate
        }
    }

    /// Address to bind. Tests and benchmarks use 127.0.0.1.
    public var host: String
    /// Port to bind; 0 picks a free one (see ``MQTTServer/start()``).
    public var port: Int
    /// TLS, or nil for plain TCP.
    public var tls: TLS?
    /// The largest packet accepted, fixed header included; a larger one closes the connection.
    public var maxPacketSize: Int
    /// A connection that sends no CONNECT within this time is closed.
    public var connectTimeout: TimeAmount
    /// Upper bound of the keep-alive timeout (1.5 × the client's keep-alive). Also applied when the client
    /// asks for no keep-alive (0). nil: no bound, and 0 disables the timeout.
    public var maxKeepAlive: TimeAmount?
    /// QoS 1 messages sent to one client and not yet acknowledged.
    public var inflightWindow: Int
    /// Messages queued for a connected client beyond the in-flight window before publishers are slowed down
    /// (their acknowledgements wait and their sockets are not read).
    public var maxQueuedMessages: Int
    /// Messages kept for a disconnected persistent session; further QoS 1 messages are dropped with a warning.
    public var maxOfflineMessages: Int
    /// Inbound messages of one connection being processed at once before its socket stops being read.
    public var maxPendingInboundAcks: Int
    /// The listen backlog.
    public var backlog: Int

    public init(
        host: String = "127.0.0.1",
        port: Int = 1883,
        tls: TLS? = nil,
        maxPacketSize: Int = 262_144,
        connectTimeout: TimeAmount = .seconds(60),
        maxKeepAlive: TimeAmount? = nil,
        inflightWindow: Int = 100,
        maxQueuedMessages: Int = 1000,
        maxOfflineMessages: Int = 100_000,
        maxPendingInboundAcks: Int = 16,
        backlog: Int = 256
    ) {
        self.host = host
        self.port = port
        self.tls = tls
        self.maxPacketSize = maxPacketSize
        self.connectTimeout = connectTimeout
        self.maxKeepAlive = maxKeepAlive
        self.inflightWindow = max(1, min(inflightWindow, 65_535))
        self.maxQueuedMessages = max(1, maxQueuedMessages)
        self.maxOfflineMessages = max(0, maxOfflineMessages)
        self.maxPendingInboundAcks = max(1, maxPendingInboundAcks)
        self.backlog = backlog
    }
}
