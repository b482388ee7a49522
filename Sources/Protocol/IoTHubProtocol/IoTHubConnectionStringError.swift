/// The error thrown when an ``IoTHubConnectionString`` is malformed or inconsistent.
public struct IoTHubConnectionStringError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of problem was found.
    public enum Code: String, Sendable, Hashable {
        /// A required field is absent.
        case missingField
        /// A field has an empty value.
        case emptyValue
        /// A field name appears twice.
        case duplicateField
        /// A field has no `=` or an empty or invalid name.
        case malformedField
        /// `SharedAccessKey` is not valid base64.
        case invalidBase64
        /// A field value is not acceptable (e.g. `x509=maybe`, a value containing `;`).
        case invalidValue
        /// Two fields contradict each other (e.g. a key and `x509=true`).
        case conflictingFields
        /// A device or module has neither a key nor `x509=true`.
        case missingCredentials
    }

    /// What kind of problem was found.
    public let code: Code
    /// The offending field name, when one is to blame.
    public let field: String?
    /// A human-readable explanation naming the offending field.
    public let message: String

    /// Creates an error.
    public init(code: Code, field: String?, message: String) {
        self.code = code
        self.field = field
        self.message = message
    }

    public var description: String { message }
}
