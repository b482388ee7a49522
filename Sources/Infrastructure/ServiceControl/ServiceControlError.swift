/// A service-control step failed; the message says what and, where it can, what to do.
public struct ServiceControlError: Error, Sendable, CustomStringConvertible {
    public let message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
