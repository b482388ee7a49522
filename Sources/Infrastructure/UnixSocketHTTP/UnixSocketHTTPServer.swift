#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
public import Logging
public import NIOCore
import NIOHTTP1
public import NIOPosix
import ServerLifecycle
public import ServiceLifecycle
import Synchronization

/// HTTP/1.1 over a Unix domain socket with the aziot `http-common` semantics: the caller's `SO_PEERCRED` identity on
/// every request, an ``HTTPRouter`` with mandatory `api-version`, `{"message": …}` errors and a per-uid connection
/// limit. The transport of keyd, certd, identityd and edged's management and workload sockets.
///
/// Run it as a `Service` (``run()``), or call ``start()`` and ``stop()`` yourself.
public final class UnixSocketHTTPServer: Service, Sendable {
    public let configuration: UnixSocketHTTPServerConfiguration
    public let router: HTTPRouter
    private let logger: Logger
    private let group: any EventLoopGroup
    private let limiter: ConnectionLimiter
    private let listener = ListeningChannel()

    public init(
        configuration: UnixSocketHTTPServerConfiguration,
        router: HTTPRouter,
        logger: Logger,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) {
        self.configuration = configuration
        self.router = router
        self.logger = logger
        self.group = eventLoopGroup
        self.limiter = ConnectionLimiter(limit: configuration.maxConnectionsPerUID)
    }

    /// Connections currently open for a uid (for diagnostics and tests).
    public func openConnections(uid: UInt32) -> Int { limiter.count(uid) }

    /// Binds (or adopts the inherited socket) and starts accepting connections.
    public func start() async throws {
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: configuration.backlog)
            .childChannelInitializer { [self] channel in
                PeerCredentials.read(from: channel).flatMapThrowing { peer in
                    try self.configureConnection(channel, peer: peer)
                }
            }
        let channel: any Channel
        switch configuration.endpoint {
        case .unixSocket(let path):
            try Self.removeStaleFile(at: path)
            do {
                channel = try await bootstrap.bind(unixDomainSocketPath: path).get()
            } catch {
                throw UnixSocketHTTPError(.bind, "cannot bind \(path): \(error); check that its directory exists and is writable")
            }
            guard chmod(path, mode_t(configuration.socketMode)) == 0 else {
                let reason = String(cString: strerror(errno))
                try? await channel.close()
                throw UnixSocketHTTPError(.bind, "cannot chmod \(path) to \(String(configuration.socketMode, radix: 8)): \(reason)")
            }
            logger.info("HTTP server listening on unix:\(path)")
        case .inheritedDescriptor(let descriptor):
            do {
                channel = try await bootstrap.withBoundSocket(descriptor).get()
            } catch {
                throw UnixSocketHTTPError(.bind, "cannot listen on inherited fd \(descriptor): \(error); is it a listening socket?")
            }
            logger.info("HTTP server listening on inherited fd \(descriptor)")
        }
        listener.set(channel)
    }

    /// Stops accepting connections and closes the listener; open connections finish on their own.
    public func stop() async {
        await listener.close()
    }

    /// Runs until cancelled or until graceful shutdown is requested.
    public func run() async throws {
        try await start()
        await listener.runUntilShutdown()
    }

    private func configureConnection(_ channel: any Channel, peer: PeerCredentials) throws {
        var rejection: HTTPServerResponse?
        if limiter.acquire(peer.uid) {
            channel.closeFuture.whenComplete { [limiter] _ in limiter.release(peer.uid) }
        } else {
            logger.info("Max simultaneous connections reached for user \(peer.uid)")
            var response = HTTPServerResponse.error(
                .tooManyRequests,
                message: "too many simultaneous connections for user \(peer.uid) (limit \(limiter.limit)); close idle connections and retry"
            )
            response.headers.add(name: "Retry-After", value: "1")
            rejection = response
        }
        let pipeline = channel.pipeline.syncOperations
        try pipeline.configureHTTPServerPipeline(withErrorHandling: true)
        try pipeline.addHandler(
            UnixSocketHTTPServerHandler(
                router: router,
                peer: peer,
                logger: logger,
                maxBodySize: configuration.maxBodySize,
                bodyReadTimeout: configuration.bodyReadTimeout,
                rejection: rejection
            )
        )
    }

    /// aziot removes whatever is at the socket path (a stale socket, a file or an empty directory) before binding.
    static func removeStaleFile(at path: String) throws {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        let isDirectory = (info.st_mode & S_IFMT) == S_IFDIR
        guard (isDirectory ? rmdir(path) : unlink(path)) == 0 else {
            let reason = String(cString: strerror(errno))
            throw UnixSocketHTTPError(.bind, "cannot remove the stale \(isDirectory ? "directory" : "file") at \(path): \(reason)")
        }
    }
}
