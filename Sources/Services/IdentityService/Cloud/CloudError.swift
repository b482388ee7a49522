/// A failure talking to IoT Hub or DPS, classified the way identityd reacts to it.
public struct CloudError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The service could not be reached (connect failure, TLS handshake failure, timeout), or it said so itself
        /// (`networkError: true`, or `500` from a parent edgeHub in nested mode). identityd keeps running on its
        /// backups.
        case network
        /// The service answered with an error status.
        case service(status: Int)
        /// The answer was not what the protocol says (wrong content type, unparsable JSON, unexpected status).
        case invalidResponse
        /// Anything else (a failure reading the body, credentials that cannot be used, …).
        case other
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var isNetwork: Bool { kind == .network }

    /// The HTTP status when the service answered with an error.
    public var status: Int? {
        if case .service(let status) = kind { return status }
        return nil
    }

    public var description: String {
        switch kind {
        case .network: "network error: \(message)"
        case .service(let status): "HTTP \(status): \(message)"
        case .invalidResponse: "invalid response: \(message)"
        case .other: message
        }
    }
}
