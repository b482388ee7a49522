public import DockerClient
import NIOCore

/// A module's followed logs (``ManagementClient/followLogs(_:tail:since:until:timestamps:)``) as Docker's frames —
/// stream (stdout or stderr) and payload — demultiplexed as they arrive, whatever the HTTP chunking.
///
/// The stream ends when edged ends the body (the module stopped). The connection to edged, and edged's own to
/// Docker, close when the consumer stops iterating or its task is cancelled (`next()` then throws
/// `CancellationError`).
public struct ModuleLogStream: AsyncSequence, Sendable {
    public typealias Element = DockerLogFrame
    let body: AsyncThrowingStream<ByteBuffer, any Error>

    public struct AsyncIterator: AsyncIteratorProtocol {
        var body: AsyncThrowingStream<ByteBuffer, any Error>.AsyncIterator
        var demultiplexer = DockerLogDemultiplexer()
        var ready: [DockerLogFrame] = []
        var finished = false

        public mutating func next() async throws -> DockerLogFrame? {
            while ready.isEmpty {
                if finished { return nil }
                guard let chunk = try await body.next() else {
                    finished = true
                    try demultiplexer.finish()
                    return nil
                }
                ready = try demultiplexer.feed(chunk).reversed()
            }
            return ready.removeLast()
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(body: body.makeAsyncIterator())
    }
}
