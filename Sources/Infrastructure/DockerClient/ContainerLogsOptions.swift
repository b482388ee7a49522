import NIOCore
import NIOHTTP1

/// What `GET /containers/{id}/logs` returns.
public struct ContainerLogsOptions: Sendable, Hashable {
    /// How many lines from the end.
    public enum Tail: Sendable, Hashable {
        case all
        case last(Int)

        var queryValue: String {
            switch self {
            case .all: "all"
            case .last(let count): String(count)
            }
        }
    }

    /// Keep the stream open and send new output until the container stops.
    public var follow: Bool
    public var stdout: Bool
    public var stderr: Bool
    /// Only output logged at or after this time.
    public var since: DockerTime?
    /// Only output logged before this time.
    public var until: DockerTime?
    /// Prefix each logged message with Docker's RFC 3339 nanosecond timestamp and a space.
    public var timestamps: Bool
    public var tail: Tail

    public init(
        follow: Bool = false, stdout: Bool = true, stderr: Bool = true, since: DockerTime? = nil, until: DockerTime? = nil,
        timestamps: Bool = false, tail: Tail = .all
    ) {
        self.follow = follow
        self.stdout = stdout
        self.stderr = stderr
        self.since = since
        self.until = until
        self.timestamps = timestamps
        self.tail = tail
    }
}
