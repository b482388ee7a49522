import NIOCore
import NIOHTTP1

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
