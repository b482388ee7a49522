/// The error thrown when a ``SharedAccessSignature`` cannot be parsed, generated or validated, or
/// its audience is malformed.
public struct SharedAccessSignatureError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of problem was found.
    public enum Code: String, Sendable, Hashable {
        /// The token is not `SharedAccessSignature <fields>` or a field has no `=`.
        case malformed
        /// `sr`, `sig` or `se` is absent or empty.
        case missingField
        /// A field name appears twice (case-insensitively).
        case duplicateField
        /// A field value is not validly percent-encoded.
        case invalidEncoding
        /// `se` is not a non-negative integer number of seconds.
        case invalidExpiry
        /// The token is expired (beyond the clock-skew allowance).
        case expired
        /// A signing or verification key is not valid base64, or none was given.
        case invalidKey
        /// The signature does not match any key.
        case signatureMismatch
        /// The audience (`sr`) is not `{host}/devices/{d}` or `{host}/devices/{d}/modules/{m}`.
        case malformedAudience
    }

    /// What kind of problem was found.
    public let code: Code
    /// A human-readable explanation.
    public let message: String

    /// Creates an error.
    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
