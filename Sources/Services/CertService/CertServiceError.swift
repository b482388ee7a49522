public import NIOHTTP1
public import UnixSocketHTTP

/// An error of a certd operation, answered with the reference's status and message.
public enum CertServiceError: Error, HTTPResponseError, Sendable, Equatable, CustomStringConvertible {
    /// `400 parameter "<name>" has an invalid value` + cause.
    case invalidParameter(String, String)
    /// `401 user <uid> is not authorized to modify the cert <id>`.
    case unauthorized(uid: UInt32, certId: String)
    /// `400 issuer is required for locally-issued certs`.
    case issuerRequired
    /// A storage failure: `500 internal error` to the caller, details in the log.
    case storage(String)
    /// keyd refused or failed: `500 internal error` to the caller, details in the log.
    case keyService(String)

    public var status: HTTPResponseStatus {
        switch self {
        case .invalidParameter, .issuerRequired: .badRequest
        case .unauthorized: .unauthorized
        case .storage, .keyService: .internalServerError
        }
    }

    public var message: String {
        switch self {
        case .invalidParameter(let name, let cause): "parameter \"\(name)\" has an invalid value\ncaused by: \(cause)"
        case .unauthorized(let uid, let certId): "user \(uid) is not authorized to modify the cert \(certId)"
        case .issuerRequired: "issuer is required for locally-issued certs"
        case .storage, .keyService: "internal error"
        }
    }

    public var description: String {
        switch self {
        case .storage(let detail), .keyService(let detail): detail
        default: message
        }
    }
}
