public import NIOHTTP1
public import UnixSocketHTTP

/// An identityd failure, answered with the reference's status and message (§4.1):
/// invalid parameter, device not found, module not found → `400`; DPS, Hub and key client errors and DPS in nested
/// mode → `404`; authentication and authorization → `401`; anything internal → `500 internal error` (details only in
/// the log). Messages with a cause read `<error>\ncaused by: <cause>`, as the reference's cause chains do.
public enum IdentityServiceError: Error, HTTPResponseError, Sendable, CustomStringConvertible {
    case authentication
    case authorization
    case deviceNotFound
    case moduleNotFound
    case dpsClient(CloudError)
    case dpsNotSupportedInNestedMode
    case hubClient(CloudError)
    case keyClient(String)
    case invalidParameter(String, String)
    /// `500 internal error`; the text goes to the log only.
    case `internal`(String)

    public var status: HTTPResponseStatus {
        switch self {
        case .invalidParameter, .deviceNotFound, .moduleNotFound: .badRequest
        case .dpsClient, .dpsNotSupportedInNestedMode, .hubClient, .keyClient: .notFound
        case .authentication, .authorization: .unauthorized
        case .internal: .internalServerError
        }
    }

    public var message: String {
        switch self {
        case .authentication: "authentication error"
        case .authorization: "authorization error"
        case .deviceNotFound: "device identity not found"
        case .moduleNotFound: "module identity not found"
        case .dpsClient(let cause): "DPS client error\ncaused by: \(cause.message)"
        case .dpsNotSupportedInNestedMode: "DPS provisioning is not supported in nested mode"
        case .hubClient(let cause): "Hub client error\ncaused by: \(cause.message)"
        case .keyClient(let cause): "Key client error\ncaused by: \(cause)"
        case .invalidParameter(let name, let cause): "parameter \"\(name)\" has an invalid value\ncaused by: \(cause)"
        case .internal: "internal error"
        }
    }

    public var description: String {
        switch self {
        case .internal(let detail): "internal error: \(detail)"
        default: message
        }
    }

    /// Whether the cloud could not be reached (identityd then keeps running on its backups).
    public var isNetwork: Bool {
        switch self {
        case .dpsClient(let error), .hubClient(let error): error.isNetwork
        default: false
        }
    }

    /// Any error as an identityd error (unknown ones become internal).
    static func wrap(_ error: any Error) -> IdentityServiceError {
        (error as? IdentityServiceError) ?? .internal("\(error)")
    }
}
