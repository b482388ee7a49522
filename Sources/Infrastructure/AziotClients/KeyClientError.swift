public import NIOHTTP1

/// keyd answered with an error status (or with a success body that does not decode). ``message`` is the server's
/// `{"message": …}` text when it sent one.
public struct KeyClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The HTTP status keyd answered with.
    public let status: HTTPResponseStatus
    /// The server's `message`, or a description of what was wrong with the response.
    public let message: String

    public init(status: HTTPResponseStatus, message: String) {
        self.status = status
        self.message = message
    }

    public var description: String { "keyd answered \(status.code): \(message)" }
}
