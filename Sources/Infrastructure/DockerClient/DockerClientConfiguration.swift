public import NIOCore
public import NIOPosix

/// How a ``DockerClient`` reaches the engine. Every parameter has a default that suits a device.
public struct DockerClientConfiguration: Sendable {
    /// The engine's Unix socket.
    public var socketPath: String
    /// `Host` header value. Docker answers 400 to a request without one; it does not check the value.
    public var host: String
    /// Which Engine API version the paths name (`/v1.41/...`).
    public var apiVersion: APIVersionChoice
    /// How long to wait for a response's status line and headers (not the body: a followed log or an event
    /// stream may go on forever). Docker's own operations that can take a while (stop, restart) add their
    /// timeout to this. `nil` waits as long as it takes.
    public var responseHeadTimeout: Duration?
    /// Largest body a non-streaming call reads into memory; a longer answer is an error, not an unbounded buffer.
    public var maxBufferedBodySize: Int
    /// Event loops for the connections (one connection per request).
    public var eventLoopGroup: any EventLoopGroup

    /// Which API version to use.
    public enum APIVersionChoice: Sendable, Hashable {
        /// Ask the engine (`GET /version`) once and use the lower of its `ApiVersion` and ``DockerAPIVersion/supported``.
        case negotiate
        /// Always use this version (no `GET /version`).
        case fixed(DockerAPIVersion)
    }

    public init(
        socketPath: String = "/var/run/docker.sock",
        host: String = "docker",
        apiVersion: APIVersionChoice = .negotiate,
        responseHeadTimeout: Duration? = .seconds(60),
        maxBufferedBodySize: Int = 64 << 20,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) {
        self.socketPath = socketPath
        self.host = host
        self.apiVersion = apiVersion
        self.responseHeadTimeout = responseHeadTimeout
        self.maxBufferedBodySize = maxBufferedBodySize
        self.eventLoopGroup = eventLoopGroup
    }

    /// The configuration for `DOCKER_HOST` when it is a `unix://` URI (other schemes are not supported: the
    /// engine is local), else the default socket.
    public static func fromEnvironment(_ environment: [String: String]) -> DockerClientConfiguration {
        var configuration = DockerClientConfiguration()
        if let host = environment["DOCKER_HOST"], host.hasPrefix("unix://") {
            configuration.socketPath = String(host.dropFirst("unix://".count))
        }
        return configuration
    }
}
