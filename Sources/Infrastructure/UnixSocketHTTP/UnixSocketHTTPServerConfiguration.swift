public import NIOCore

/// Settings of a ``UnixSocketHTTPServer``; everything but the endpoint has the aziot default.
public struct UnixSocketHTTPServerConfiguration: Sendable {
    /// Where to listen.
    public enum Endpoint: Sendable, Equatable {
        /// Bind this path: a stale file (or empty directory) there is removed first, and the socket is chmodded
        /// to ``UnixSocketHTTPServerConfiguration/socketMode`` after binding.
        case unixSocket(path: String)
        /// Listen on an already bound and listening socket, e.g. one handed over by systemd (see
        /// ``SystemdSocketActivation``).
        case inheritedDescriptor(Int32)
    }

    public var endpoint: Endpoint
    /// Permission bits of the bound socket file. Default `0o660`: owner and group may connect.
    public var socketMode: UInt32
    /// Open connections allowed per peer uid at once (aziot `max_requests`). Default 10.
    ///
    /// Unlike aziot, which drops an excess connection without a word, this server answers its first request with
    /// `429 Too Many Requests`, `Retry-After: 1` and a `{"message": …}` body, then closes the connection: 429 because
    /// the limit is per caller (uid), not a server-wide outage.
    public var maxConnectionsPerUID: Int
    /// Largest accepted request body; larger bodies get `413`. Default 4 MiB.
    public var maxBodySize: Int
    /// Time allowed for a request's body to arrive once its head is in; then the server answers `408` and closes.
    /// Default 5 s (aziot).
    public var bodyReadTimeout: TimeAmount
    /// Listen backlog. Default 128.
    public var backlog: Int32

    public init(
        endpoint: Endpoint,
        socketMode: UInt32 = 0o660,
        maxConnectionsPerUID: Int = 10,
        maxBodySize: Int = 4 << 20,
        bodyReadTimeout: TimeAmount = .seconds(5),
        backlog: Int32 = 128
    ) {
        self.endpoint = endpoint
        self.socketMode = socketMode
        self.maxConnectionsPerUID = maxConnectionsPerUID
        self.maxBodySize = maxBodySize
        self.bodyReadTimeout = bodyReadTimeout
        self.backlog = backlog
    }
}
