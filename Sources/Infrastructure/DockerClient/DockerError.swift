import IoTHubProtocol

/// An error from the Docker engine or from talking to it.
///
/// Docker's own answers keep their HTTP status and the engine's `{"message": …}` text (e.g. 404 "No such container:
/// x", 409 "Conflict. The container name \"/x\" is already in use…", 304 for starting a started container), so a
/// caller such as aziot-edged can pass them on. ``code`` classifies the error for `switch`es and `catch` clauses.
public struct DockerError: Error, Sendable, CustomStringConvertible {
    /// What kind of error this is. Extensible: more codes may come; match the ones you handle.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case notModified, badRequest, unauthorized, forbidden, notFound, conflict, serverError, unavailable, otherStatus
            case connectionFailed, timeout, invalidResponse, streamError, invalidArgument
        }

        private let base: Base

        /// 304: nothing to do (start of a running container, stop of a stopped one).
        public static let notModified = Code(base: .notModified)
        /// 400: Docker rejected the parameters or the body.
        public static let badRequest = Code(base: .badRequest)
        /// 401: the registry (via Docker) refused the credentials.
        public static let unauthorized = Code(base: .unauthorized)
        /// 403.
        public static let forbidden = Code(base: .forbidden)
        /// 404: no such container, image, network…
        public static let notFound = Code(base: .notFound)
        /// 409: name in use, container running, image in use…
        public static let conflict = Code(base: .conflict)
        /// 500: the engine failed (including a pull that could not reach its registry).
        public static let serverError = Code(base: .serverError)
        /// 503.
        public static let unavailable = Code(base: .unavailable)
        /// Any other unexpected status.
        public static let otherStatus = Code(base: .otherStatus)
        /// The socket could not be opened (no engine, no permission).
        public static let connectionFailed = Code(base: .connectionFailed)
        /// No response head within the configured time.
        public static let timeout = Code(base: .timeout)
        /// The answer was not what the Engine API promises (bad JSON, connection closed mid-answer, too large).
        public static let invalidResponse = Code(base: .invalidResponse)
        /// An error reported inside a 200 stream (an image pull's `errorDetail`).
        public static let streamError = Code(base: .streamError)
        /// The caller's arguments cannot be sent (e.g. an empty container id).
        public static let invalidArgument = Code(base: .invalidArgument)

        /// The code for an HTTP status Docker answered with.
        public static func forStatus(_ status: Int) -> Code {
            switch status {
            case 304: .notModified
            case 400: .badRequest
            case 401: .unauthorized
            case 403: .forbidden
            case 404: .notFound
            case 409: .conflict
            case 500: .serverError
            case 503: .unavailable
            default: .otherStatus
            }
        }

        public var description: String { base.rawValue }
    }

    /// The classification.
    public var code: Code
    /// Docker's HTTP status, when the error is an answer from Docker (also 200 for ``Code-swift.struct/streamError``).
    public var status: Int?
    /// Docker's message, or ours saying what went wrong and what to do.
    public var message: String

    public init(_ code: Code, status: Int? = nil, message: String) {
        self.code = code
        self.status = status
        self.message = message
    }

    /// An error for a non-success Docker answer: its status and the `message` of its JSON body (the whole body when it
    /// is not Docker's `{"message": …}` shape).
    public init(status: Int, body: [UInt8]) {
        var message = String(decoding: body, as: UTF8.self).trimmingWhitespace()
        if let parsed = try? JSONValue(parsing: body), let text = parsed["message"]?.stringValue {
            message = text
        }
        if message.isEmpty { message = "Docker answered \(status) with no message" }
        self.init(.forStatus(status), status: status, message: message)
    }

    public var description: String {
        if let status { return "Docker error \(status) (\(code)): \(message)" }
        return "Docker error (\(code)): \(message)"
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var scalars = Substring(self)
        while let first = scalars.first, first.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}
