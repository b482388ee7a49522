/// The error thrown when an ``MQTTUsername`` cannot be parsed. The hub answers such a CONNECT with
/// CONNACK 3 (server unavailable), not 5.
public struct MQTTUsernameError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of problem was found.
    public enum Code: String, Sendable, Hashable {
        /// Wrong number of segments or no properties segment.
        case malformed
        /// The device or module id segment is empty.
        case emptyIdentity
        /// `api-version` is absent or empty.
        case missingAPIVersion
        /// The properties cannot be parsed as a property bag.
        case invalidProperties
    }

    /// What kind of problem was found.
    public let code: Code
    /// A human-readable explanation quoting the username.
    public let message: String

    /// Creates an error.
    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
