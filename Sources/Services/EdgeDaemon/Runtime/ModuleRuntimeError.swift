import DockerClient
public import NIOHTTP1
public import UnixSocketHTTP

/// A failed module operation as the management API reports it: Docker's own status when Docker refused (404 no such
/// container, 409 name in use…), else 500; the message says what edged was doing and why it failed.
public struct ModuleRuntimeError: HTTPResponseError, Sendable, CustomStringConvertible {
    public var status: HTTPResponseStatus
    public var message: String

    public init(status: HTTPResponseStatus, message: String) {
        self.status = status
        self.message = message
    }

    /// Wraps `error` with what edged was doing (`could not create module m`).
    public init(_ context: String, _ error: any Error) {
        switch error {
        case let error as ModuleRuntimeError:
            self = error
        case let error as HTTPError:
            self.init(status: error.status, message: error.message)
        case let error as DockerError:
            let status = error.status.flatMap { (400..<600).contains($0) ? HTTPResponseStatus(statusCode: $0) : nil } ?? .internalServerError
            self.init(status: status, message: "\(context): \(error.message)")
        default:
            self.init(status: .internalServerError, message: "\(context): \(error)")
        }
    }

    public var description: String { "\(status.code) \(message)" }
}
