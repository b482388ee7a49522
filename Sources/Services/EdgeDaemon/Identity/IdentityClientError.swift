public import NIOHTTP1

/// identityd answered with an error status, or could not be reached (``status`` nil).
public struct IdentityClientError: Error, Sendable, CustomStringConvertible {
    /// identityd's status; nil when the error is not an answer from identityd (connection refused, bad JSON).
    public var status: HTTPResponseStatus?
    public var message: String
    /// True when the socket could not be reached at all (identityd not running yet).
    public var isConnectionError: Bool

    public init(status: HTTPResponseStatus?, message: String, isConnectionError: Bool = false) {
        self.status = status
        self.message = message
        self.isConnectionError = isConnectionError
    }

    public var description: String {
        if let status { return "identityd answered \(status.code): \(message)" }
        return "identityd: \(message)"
    }
}
