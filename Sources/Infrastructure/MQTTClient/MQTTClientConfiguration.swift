public import MQTTProtocol
public import NIOCore
public import NIOSSL

/// How an ``MQTTClient`` connects, each setting defaulted.
public struct MQTTClientConfiguration: Sendable {
    /// Credentials for one CONNECT; asked for again before every reconnect, so a SAS token can be renewed.
    public typealias CredentialsProvider = @Sendable () async throws -> (username: String?, password: [UInt8]?)

    public var host: String
    public var port: Int
    /// TLS settings (e.g. from ``MQTTTLSConfiguration/client(trustRootsPEMFile:certificateChainPEMFile:privateKeyPEMFile:)``),
    /// or nil for plain TCP.
    public var tls: TLSConfiguration?
    /// The name checked against the server certificate and sent as SNI; `host` when nil.
    public var serverHostname: String?
    public var clientID: String
    public var cleanSession: Bool
    /// Seconds; 0 disables keep-alive pings.
    public var keepAlive: UInt16
    public var username: String?
    public var password: [UInt8]?
    /// When set, used instead of `username`/`password` for every connection attempt.
    public var credentialsProvider: CredentialsProvider?
    public var will: ConnectPacket.Will?
    /// Time allowed for TCP, TLS and CONNACK together.
    public var connectTimeout: TimeAmount
    /// Reconnect automatically after a lost connection.
    public var reconnect: Bool
    /// First reconnect delay; doubled after each failed attempt up to `maxReconnectDelay`, with jitter.
    public var initialReconnectDelay: TimeAmount
    public var maxReconnectDelay: TimeAmount
    /// The largest inbound packet accepted.
    public var maxPacketSize: Int

    public init(
        host: String = "127.0.0.1",
        port: Int = 1883,
        tls: TLSConfiguration? = nil,
        serverHostname: String? = nil,
        clientID: String,
        cleanSession: Bool = true,
        keepAlive: UInt16 = 60,
        username: String? = nil,
        password: [UInt8]? = nil,
        credentialsProvider: CredentialsProvider? = nil,
        will: ConnectPacket.Will? = nil,
        connectTimeout: TimeAmount = .seconds(30),
        reconnect: Bool = true,
        initialReconnectDelay: TimeAmount = .milliseconds(100),
        maxReconnectDelay: TimeAmount = .seconds(30),
        maxPacketSize: Int = 268_435_460
    ) {
        self.host = host
        self.port = port
        self.tls = tls
        self.serverHostname = serverHostname
        self.clientID = clientID
        self.cleanSession = cleanSession
        self.keepAlive = keepAlive
        self.username = username
        self.password = password
        self.credentialsProvider = credentialsProvider
        self.will = will
        self.connectTimeout = connectTimeout
        self.reconnect = reconnect
        self.initialReconnectDelay = initialReconnectDelay
        self.maxReconnectDelay = maxReconnectDelay
        self.maxPacketSize = maxPacketSize
    }
}
