public import NIOHTTP1
public import UnixSocketHTTP

/// An error of the Keys Service, shaped as keyd answers it: the status and `{"message": …}` a client sees, plus a
/// ``detail`` for the log (internal errors answer only `internal error`, so that nothing about the host leaks).
public struct KeyServiceError: HTTPResponseError, Sendable, Equatable, CustomStringConvertible {
    /// What kind of failure this is, for code that reacts to it.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }

        /// A request parameter (handle, key id, mechanism, data) is unusable: `400`.
        public static let invalidParameter = Code("invalidParameter")
        /// A request that keyd refuses outright (e.g. moving a key onto itself): `400`.
        public static let badRequest = Code("badRequest")
        /// The caller's uid may not use this key id: `401`.
        public static let unauthorized = Code("unauthorized")
        /// Something failed on the server (file system, crypto library): `500 internal error`.
        public static let internalError = Code("internalError")
        /// The configuration asks for something this service cannot do (startup only).
        public static let configuration = Code("configuration")
    }

    public let code: Code
    public let status: HTTPResponseStatus
    /// The `message` of the JSON error body.
    public let message: String
    /// What to log: the message, or for internal errors what really went wrong.
    public let detail: String

    init(code: Code, status: HTTPResponseStatus, message: String, detail: String? = nil) {
        self.code = code
        self.status = status
        self.message = message
        self.detail = detail ?? message
    }

    public var description: String { detail }

    /// `400 parameter "<name>" has an invalid value` followed by the cause, the way keyd words it.
    public static func invalidParameter(_ name: String, _ cause: String) -> KeyServiceError {
        KeyServiceError(code: .invalidParameter, status: .badRequest, message: "parameter \"\(name)\" has an invalid value\ncaused by: \(cause)")
    }

    /// `400` with exactly this message.
    public static func badRequest(_ message: String) -> KeyServiceError {
        KeyServiceError(code: .badRequest, status: .badRequest, message: message)
    }

    /// `401 user <uid> is not authorized to access the key <id>`.
    public static func unauthorized(uid: UInt32, keyID: String) -> KeyServiceError {
        KeyServiceError(code: .unauthorized, status: .unauthorized, message: "user \(uid) is not authorized to access the key \(keyID)")
    }

    /// `500 internal error`; `detail` goes to the log only.
    public static func internalError(_ detail: String) -> KeyServiceError {
        KeyServiceError(code: .internalError, status: .internalServerError, message: "internal error", detail: detail)
    }

    /// A configuration the service refuses to start with.
    public static func configuration(_ message: String) -> KeyServiceError {
        KeyServiceError(code: .configuration, status: .internalServerError, message: message)
    }

    /// The handle failed validation (bad format, bad signature, unparsable payload).
    static let invalidHandle = invalidParameter("handle", "invalid handle")
    /// keyd's wording for a sign/encrypt/decrypt mechanism the key cannot do.
    static let mechanismMismatch = invalidParameter("mechanism", "mechanism cannot be used with this key type")
    /// A derived handle whose base is itself derived.
    static let nestedDerivation = invalidParameter("handle", "nested derived keys are not supported, import the outer derived key first")
}
