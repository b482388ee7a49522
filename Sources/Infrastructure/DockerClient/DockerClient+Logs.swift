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

/// A container's log body as Docker sends it, with whether it is multiplexed (non-TTY) or raw (TTY).
public struct ContainerRawLogs: Sendable {
    /// `true` for Docker's 8-byte-header frames, `false` for a TTY container's raw bytes.
    public var multiplexed: Bool
    /// The bytes, unchanged (edged passes them on as its own logs answer).
    public var body: DockerByteStream
}

/// A container's output as frames (see ``DockerLogDemultiplexer``); a TTY container's bytes come as stdout frames.
public struct DockerLogStream: AsyncSequence, Sendable {
    public typealias Element = DockerLogFrame
    let logs: ContainerRawLogs

    public struct AsyncIterator: AsyncIteratorProtocol {
        var body: DockerByteStream.AsyncIterator
        let multiplexed: Bool
        var demultiplexer = DockerLogDemultiplexer()
        var ready: [DockerLogFrame] = []
        var finished = false

        public mutating func next() async throws -> DockerLogFrame? {
            while ready.isEmpty {
                if finished { return nil }
                guard let chunk = try await body.next() else {
                    finished = true
                    if multiplexed { try demultiplexer.finish() }
                    return nil
                }
                if multiplexed {
                    ready = try demultiplexer.feed(chunk).reversed()
                } else if chunk.readableBytes > 0 {
                    ready = [DockerLogFrame(stream: .stdout, payload: chunk)]
                }
            }
            return ready.removeLast()
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(body: logs.body.makeAsyncIterator(), multiplexed: logs.multiplexed)
    }

    /// The same output as lines (long lines put back together; see ``DockerLogLineAssembler``).
    public func lines(timestamps: Bool) -> DockerLogLineStream {
        DockerLogLineStream(frames: self, timestamps: timestamps)
    }
}

/// A container's output as lines.
public struct DockerLogLineStream: AsyncSequence, Sendable {
    public typealias Element = DockerLogLine
    let frames: DockerLogStream
    let timestamps: Bool

    public struct AsyncIterator: AsyncIteratorProtocol {
        var frames: DockerLogStream.AsyncIterator
        var assembler: DockerLogLineAssembler
        var ready: [DockerLogLine] = []
        var finished = false

        public mutating func next() async throws -> DockerLogLine? {
            while ready.isEmpty {
                if finished { return nil }
                if let frame = try await frames.next() {
                    ready = assembler.feed(frame).reversed()
                } else {
                    finished = true
                    ready = assembler.finish().reversed()
                }
            }
            return ready.removeLast()
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(frames: frames.makeAsyncIterator(), assembler: DockerLogLineAssembler(timestamps: timestamps))
    }
}

extension DockerClient {
    /// `GET /containers/{id}/logs`, the body as Docker sends it. `tty` says whether the container was created with a
    /// TTY (its output is then not multiplexed); `nil` asks Docker (an inspect first) unless the answer's
    /// `Content-Type` says it.
    public func containerLogsRaw(_ id: String, options: ContainerLogsOptions = ContainerLogsOptions(), tty: Bool? = nil) async throws
        -> ContainerRawLogs
    {
        try Self.requireName(id, "container")
        var query = DockerQuery()
        query.add("follow", options.follow)
        query.add("stdout", options.stdout)
        query.add("stderr", options.stderr)
        query.add("since", options.since?.queryValue)
        query.add("until", options.until?.queryValue)
        query.add("timestamps", options.timestamps)
        query.add("tail", options.tail.queryValue)
        // Ask before opening the stream: a followed stream's body may not end for a long time.
        var isTTY = tty
        if isTTY == nil { isTTY = try await inspectContainer(id).config.tty }
        let response = try await stream(.GET, "/containers/\(DockerQuery.segment(id))/logs", query)
        // API 1.42+ names the framing in Content-Type; it wins over what we were told.
        switch response.head.headers.first(name: "Content-Type") {
        case "application/vnd.docker.multiplexed-stream": isTTY = false
        case "application/vnd.docker.raw-stream": isTTY = true
        default: break
        }
        return ContainerRawLogs(multiplexed: !(isTTY ?? false), body: response.body)
    }

    /// `GET /containers/{id}/logs` as frames, demultiplexed whatever the chunking.
    public func containerLogs(_ id: String, options: ContainerLogsOptions = ContainerLogsOptions(), tty: Bool? = nil) async throws
        -> DockerLogStream
    {
        DockerLogStream(logs: try await containerLogsRaw(id, options: options, tty: tty))
    }
}
