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

extension DockerClient {
    /// `GET /events?since=&until=&filters=`: the engine's events as they happen (from `since` when given, replaying
    /// past ones). Without `until` the stream goes on until the consumer stops; e.g.
    /// `filters: ["type": ["container"], "label": ["owner=edge"], "event": ["die"]]`.
    public func events(since: DockerTime? = nil, until: DockerTime? = nil, filters: DockerFilters = [:]) async throws -> DockerEventStream {
        var query = DockerQuery()
        query.add("since", since?.queryValue)
        query.add("until", until?.queryValue)
        query.add("filters", filters)
        let response = try await stream(.GET, "/events", query)
        return DockerEventStream(body: response.body)
    }
}
