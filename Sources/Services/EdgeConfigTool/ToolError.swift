/// A failure explained to the user, printed as `Error: <message>` (exit status 1) by `aziotctl` and `iotedge`.
public struct ToolError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
