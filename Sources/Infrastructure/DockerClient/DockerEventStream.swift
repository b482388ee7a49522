import IoTHubProtocol
import NIOCore
import NIOHTTP1

/// `GET /events` as events, one per JSON document of the stream.
public struct DockerEventStream: AsyncSequence, Sendable {
    public typealias Element = DockerEvent
    let body: DockerByteStream

    public struct AsyncIterator: AsyncIteratorProtocol {
        var body: DockerByteStream.AsyncIterator
        var splitter = JSONLinesSplitter()
        var ready: [ByteBuffer] = []
        var finished = false

        public mutating func next() async throws -> DockerEvent? {
            while ready.isEmpty {
                if finished { return nil }
                if let chunk = try await body.next() {
                    ready = try splitter.feed(chunk).reversed()
                } else {
                    finished = true
                    if let last = splitter.finish() { ready = [last] }
                }
            }
            return try DockerEvent(json: try DockerClient.parseJSON(ready.removeLast()))
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(body: body.makeAsyncIterator())
    }
}
