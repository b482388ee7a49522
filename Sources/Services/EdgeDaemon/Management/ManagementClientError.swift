public import NIOHTTP1

/// edged answered with an error status.
public struct ManagementClientError: Error, Sendable, Equatable, CustomStringConvertible {
    public var status: HTTPResponseStatus
    public var message: String

    public init(status: HTTPResponseStatus, message: String) {
        self.status = status
        self.message = message
    }

    public var description: String { "aziot-edged answered \(status.code): \(message)" }
}
