public import Logging
import MQTTProtocol
import MQTTTransport
public import NIOCore
public import NIOPosix
import NIOSSL
import ServerLifecycle
public import ServiceLifecycle
import Synchronization

/// An MQTT 3.1.1 server over TCP or TLS. It speaks the protocol (sessions, QoS 0/1/2, keep-alive, wills, flow
/// control); its ``MQTTServerDelegate`` authenticates clients and decides what messages mean.
///
/// Run it as a `Service` (``run()``), or call ``start()`` and ``stop()`` yourself.
public final class MQTTServer<Delegate: MQTTServerDelegate>: Service, Sendable {
    public let configuration: MQTTServerConfiguration
    public let delegate: Delegate
    private let logger: Logger
    private let group: any EventLoopGroup
    private let sessions: MQTTSessionStore
    private let sslContext: NIOSSLContext?
    private let listener = ListeningChannel()
    private let nextConnectionID = Atomic<UInt64>(1)

    public init(
        configuration: MQTTServerConfiguration,
        delegate: Delegate,
        logger: Logger,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) throws {
        self.configuration = configuration
        self.delegate = delegate
        self.logger = logger
        self.group = eventLoopGroup
        self.sessions = MQTTSessionStore(
            limits: .init(
                inflightWindow: configuration.inflightWindow,
                maxQueued: configuration.maxQueuedMessages,
                maxOffline: configuration.maxOfflineMessages
            )
        )
        self.sslContext = try configuration.tls.map { try NIOSSLContext(configuration: $0.configuration) }
    }

    /// The session stored for a client id, connected or not.
    public func session(for clientID: String) -> MQTTSession? {
        sessions.session(for: clientID)
    }

    /// Binds and starts accepting connections; returns the bound address (useful with port 0).
    @discardableResult
    public func start() async throws -> SocketAddress {
        let acceptAny = configuration.tls?.acceptsAnyClientCertificate ?? false
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: Int32(configuration.backlog))
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            .childChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            .childChannelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    try self.configureConnection(channel, acceptAnyClientCertificate: acceptAny)
                }
            }
        let channel = try await bootstrap.bind(host: configuration.host, port: configuration.port).get()
        listener.set(channel)
        let address = channel.localAddress!
        logger.info("MQTT server listening on \(address) (\(configuration.tls == nil ? "plain TCP" : "TLS"))")
        return address
    }

    /// Stops accepting connections and closes the listener. Open connections are closed by the event loop group's
    /// owner or when their clients leave.
    public func stop() async {
        await listener.close()
    }

    /// Runs until cancelled or until graceful shutdown is requested.
    public func run() async throws {
        try await start()
        await listener.runUntilShutdown()
    }

    private func configureConnection(_ channel: any Channel, acceptAnyClientCertificate: Bool) throws {
        let connectionID = nextConnectionID.wrappingAdd(1, ordering: .relaxed).oldValue
        let handler = MQTTServerConnectionHandler(
            delegate: delegate,
            sessions: sessions,
            configuration: configuration,
            logger: logger,
            connectionID: connectionID
        )
        let pipeline = channel.pipeline.syncOperations
        if let sslContext {
            if acceptAnyClientCertificate {
                // Keep the presented chain for the authenticator; the handshake itself accepts it.
                let tlsHandler = NIOSSLServerHandler(context: sslContext) { certificates, promise in
                    handler.peerCertificates = certificates
                    promise.succeed(.certificateVerified)
                }
                try pipeline.addHandler(tlsHandler)
            } else {
                try pipeline.addHandler(NIOSSLServerHandler(context: sslContext))
            }
        }
        try pipeline.addHandler(ByteToMessageHandler(MQTTPacketDecoder(maxPacketSize: configuration.maxPacketSize)))
        try pipeline.addHandler(MessageToByteHandler(MQTTPacketEncoder()))
        try pipeline.addHandler(handler)
    }
}
