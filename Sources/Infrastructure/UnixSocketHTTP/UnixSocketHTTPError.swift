/// Errors raised by the Unix socket HTTP server and client themselves (not by route handlers, which throw
/// ``HTTPResponseError``s). The ``code`` is machine-checkable; the message says what went wrong and what to do.
public struct UnixSocketHTTPError: Error, Sendable, CustomStringConvertible, Equatable {
    /// What kind of failure this is.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }

        /// The socket path could not be prepared, bound or chmodded.
        public static let bind = Code("bind")
        /// `SO_PEERCRED` could not be read from an accepted connection.
        public static let peerCredentials = Code("peerCredentials")
        /// systemd socket activation variables are present but unusable.
        public static let socketActivation = Code("socketActivation")
        /// The client could not connect to the socket.
        public static let connect = Code("connect")
        /// The connection closed before a complete response arrived.
        public static let connectionClosed = Code("connectionClosed")
        /// A response body is larger than the caller accepts.
        public static let responseTooLarge = Code("responseTooLarge")
        /// An endpoint URI (`unix:///…`, `fd://…`, `http://…`) is malformed or not usable here.
        public static let endpoint = Code("endpoint")
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
}
