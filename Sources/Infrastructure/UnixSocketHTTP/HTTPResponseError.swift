public import NIOHTTP1

/// An error a route handler can throw to answer with a specific status and `{"message": …}` body.
/// Any other error thrown by a handler becomes `500 {"message":"internal error"}`.
public protocol HTTPResponseError: Error {
    /// The status to answer with.
    var status: HTTPResponseStatus { get }
    /// The text of the `message` field of the JSON body.
    var message: String { get }
}

/// A ready-made ``HTTPResponseError``: `throw HTTPError(.badRequest, "missing request body")`.
public struct HTTPError: HTTPResponseError, Sendable, Equatable, CustomStringConvertible {
    public let status: HTTPResponseStatus
    public let message: String

    public init(_ status: HTTPResponseStatus, _ message: String) {
        self.status = status
        self.message = message
    }

    public var description: String { "\(status.code) \(message)" }

    /// `400 {"message":"api-version not specified"}`.
    public static let apiVersionMissing = HTTPError(.badRequest, "api-version not specified")
    /// `404 {"message":"not found"}`.
    public static let notFound = HTTPError(.notFound, "not found")
    /// `400 {"message":"method not allowed"}` (the services answer 400, not 405).
    public static let methodNotAllowed = HTTPError(.badRequest, "method not allowed")
    /// `400 {"message":"invalid api-version \"X\""}`.
    public static func invalidAPIVersion(_ version: String) -> HTTPError {
        HTTPError(.badRequest, "invalid api-version \"\(version)\"")
    }
}
