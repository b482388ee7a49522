/// The error thrown by ``ReportedPropertiesValidator`` when a reported-properties patch breaks an
/// IoT Hub limit; ``path`` names the offending member (`a.b[2].c`, empty for the document itself).
public struct TwinValidationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Which limit was broken.
    public enum Code: String, Sendable, Hashable {
        /// The patch is not a JSON object.
        case notAnObject
        /// The patch bytes are not valid JSON.
        case invalidJSON
        /// The compact JSON document is larger than the limit (32 KiB).
        case documentTooLarge
        /// Objects/arrays are nested deeper than the limit (10).
        case tooDeep
        /// A property name is longer than the limit (1024 UTF-8 bytes).
        case propertyNameTooLong
        /// A property name contains a control character, `.`, `$`, `#` or whitespace.
        case invalidPropertyName
        /// A string value is longer than the limit (4096 UTF-8 bytes).
        case valueTooLong
        /// An integer is outside [-2^52, 2^52-1].
        case integerOutOfRange
        /// An array contains `null`, or an object inside an array has a `null` member.
        case nullInArray
    }

    /// Which limit was broken.
    public let code: Code
    /// The offending member's path (`a.b[2].c`; empty for the whole document).
    public let path: String
    /// A human-readable explanation naming the path.
    public let message: String

    /// Creates an error.
    public init(code: Code, path: String, message: String) {
        self.code = code
        self.path = path
        self.message = message
    }

    public var description: String { message }
}
