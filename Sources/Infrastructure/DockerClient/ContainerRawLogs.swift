import NIOCore
import NIOHTTP1

/// A container's log body as Docker sends it, with whether it is multiplexed (non-TTY) or raw (TTY).
public struct ContainerRawLogs: Sendable {
    /// `true` for Docker's 8-byte-header frames, `false` for a TTY container's raw bytes.
    public var multiplexed: Bool
    /// The bytes, unchanged (edged passes them on as its own logs answer).
    public var body: DockerByteStream
}
