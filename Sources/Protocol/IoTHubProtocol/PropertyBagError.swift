/// The error thrown when a URL-encoded ``PropertyBag`` cannot be parsed.
public struct PropertyBagError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of problem was found.
    public enum Code: String, Sendable, Hashable {
        /// The structure is wrong (leading `=`/`&`, empty entry or key, raw `/`).
        case malformed
        /// A key or value is not validly percent-encoded.
        case invalidEncoding
    }

    /// What kind of problem was found.
    public let code: Code
    /// A human-readable explanation that quotes the offending bag.
    public let message: String

    /// Creates an error.
    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
