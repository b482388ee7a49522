public import MQTTProtocol

/// Why an ``MQTTClient`` operation failed, with a message that says what to do.
public struct MQTTClientError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        case connectionRefused
        case connectTimeout
        case notConnected
        case connectionLost
        case disconnected
        case invalidTopic
        case protocolViolation
    }

    public var code: Code
    public var message: String
    /// The CONNACK code, for `connectionRefused`.
    public var returnCode: ConnectReturnCode?

    public init(_ code: Code, _ message: String, returnCode: ConnectReturnCode? = nil) {
        self.code = code
        self.message = message
        self.returnCode = returnCode
    }

    public var description: String { "MQTT client error (\(code.rawValue)): \(message)" }

    static func refused(_ code: ConnectReturnCode) -> MQTTClientError {
        let hint: String
        switch code {
        case .badUsernameOrPassword, .notAuthorized: hint = "check the credentials (user name, password or SAS token, certificate)"
        case .identifierRejected: hint = "check the client id"
        case .unacceptableProtocolVersion: hint = "the server does not speak MQTT 3.1.1"
        case .serverUnavailable: hint = "the server could not serve the connection; check the user name format and the server log"
        case .accepted: hint = ""
        }
        return MQTTClientError(.connectionRefused, "the server refused the connection: \(code); \(hint)", returnCode: code)
    }
}
