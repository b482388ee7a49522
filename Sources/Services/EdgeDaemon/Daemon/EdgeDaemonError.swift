/// A start-up or run failure of edged, with what to check.
public struct EdgeDaemonError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
