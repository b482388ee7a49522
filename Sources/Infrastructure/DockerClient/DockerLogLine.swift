public import Foundation
import NIOCore

/// One line of a container's output, put back together from Docker's frames (a long line comes in several pieces).
public struct DockerLogLine: Sendable, Hashable {
    public var stream: DockerLogFrame.Stream
    /// Docker's timestamp, when the logs were asked for with `timestamps` (the first piece's, for a long line).
    public var timestamp: Date?
    /// Docker's timestamp as written (RFC 3339 with nanoseconds), when present.
    public var timestampText: String?
    /// The line without its newline.
    public var text: String

    public init(stream: DockerLogFrame.Stream, timestamp: Date? = nil, timestampText: String? = nil, text: String) {
        self.stream = stream
        self.timestamp = timestamp
        self.timestampText = timestampText
        self.text = text
    }
}
