/// The error thrown by ``JSONValue/init(parsing:)`` for text that is not valid JSON (RFC 8259).
public struct JSONParseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of problem was found.
    public enum Code: String, Sendable, Hashable {
        /// The input ended inside a value.
        case unexpectedEnd
        /// A byte that cannot start or continue the current value.
        case unexpectedCharacter
        /// A malformed or out-of-range number.
        case invalidNumber
        /// A bad escape, a raw control character or an unpaired surrogate in a string.
        case invalidString
        /// Bytes that are not valid UTF-8.
        case invalidUTF8
        /// Arrays/objects nested deeper than ``JSONValue/maxParsingDepth``.
        case tooDeep
        /// Non-whitespace after the top-level value.
        case trailingData
    }

    /// What kind of problem was found.
    public let code: Code
    /// The byte offset where the problem was found.
    public let offset: Int
    /// A human-readable explanation.
    public let message: String

    /// Creates an error.
    public init(code: Code, offset: Int, message: String) {
        self.code = code
        self.offset = offset
        self.message = message
    }

    public var description: String { message }
}
