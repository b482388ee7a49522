import NIOCore
import NIOHTTP1

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
