import IoTHubProtocol
import NIOCore
import NIOHTTP1

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
