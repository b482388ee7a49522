/// The error thrown by ``IoTHubTopic/init(parsing:)`` for an unknown or malformed topic.
public struct IoTHubTopicError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of problem was found.
    public enum Code: String, Sendable, Hashable {
        /// The topic is not one IoT Hub defines (or the hub does not support it).
        case unsupported
        /// The topic belongs to a known family but its structure is wrong.
        case malformed
        /// A device id, module id, input name, method name or status segment is empty.
        case emptySegment
        /// The `$rid` query parameter is missing or empty.
        case missingRequestId
        /// `$version` is missing where required or not a non-negative integer.
        case invalidVersion
        /// A twin response status is not a number.
        case invalidStatus
        /// The property bag or query cannot be parsed.
        case invalidPropertyBag
    }

    /// What kind of problem was found.
    public let code: Code
    /// The topic that failed to parse.
    public let topic: String
    /// A human-readable explanation quoting the topic.
    public let message: String

    /// Creates an error.
    public init(code: Code, topic: String, message: String) {
        self.code = code
        self.topic = topic
        self.message = message
    }

    public var description: String { message }
}
