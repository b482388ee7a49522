/// The error thrown by ``PercentEncoding/decode(_:)`` when a string is not validly percent-encoded.
public struct PercentEncodingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of problem was found.
    public enum Code: String, Sendable, Hashable {
        /// A `%` not followed by two hexadecimal digits.
        case invalidEscape
        /// The decoded bytes are not valid UTF-8.
        case invalidUTF8
    }

    /// What kind of problem was found.
    public let code: Code
    /// A human-readable explanation that quotes the offending input.
    public let message: String
    /// The UTF-8 offset of the bad `%`, when the problem is an escape.
    public let offset: Int?

    /// Creates an error.
    public init(code: Code, message: String, offset: Int?) {
        self.code = code
        self.message = message
        self.offset = offset
    }

    public var description: String { message }
}
