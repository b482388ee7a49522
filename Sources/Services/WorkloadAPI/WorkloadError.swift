public import NIOHTTP1
public import UnixSocketHTTP

/// Why a workload request failed, with the status and `{"message": …}` text the reference answers with.
public struct WorkloadError: HTTPResponseError, Sendable, Equatable, CustomStringConvertible {
    /// The kind of failure; decides the status.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        let status: HTTPResponseStatus
        public var description: String { "\(status.code)" }

        /// `403`: the caller is not the module it names.
        public static let forbidden = Code(status: .forbidden)
        /// `400`: a missing body or an invalid parameter.
        public static let badRequest = Code(status: .badRequest)
        /// `404`: the trust bundle is missing.
        public static let notFound = Code(status: .notFound)
        /// `500`: keyd, certd, identityd or the runtime failed.
        public static let internalError = Code(status: .internalServerError)
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var status: HTTPResponseStatus { code.status }
    public var description: String { "\(code) \(message)" }

    /// `403 {"message":"forbidden"}`.
    public static let forbidden = WorkloadError(.forbidden, "forbidden")
    /// `400 {"message":"invalid parameter: …"}` (the text of a base64 error).
    public static func invalidParameter(_ detail: String) -> WorkloadError { WorkloadError(.badRequest, "invalid parameter: \(detail)") }
    /// `500` with a message.
    public static func internalError(_ message: String) -> WorkloadError { WorkloadError(.internalError, message) }
}
