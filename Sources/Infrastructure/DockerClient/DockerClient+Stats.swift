public import IoTHubProtocol
import NIOHTTP1

extension DockerClient {
    /// `GET /containers/{id}/stats?stream=false`: one resource-usage sample of a container (CPU, memory, network,
    /// block I/O, pids), as Docker's JSON object, unchanged (edged hands it on in `/systeminfo/resources`).
    ///
    /// Docker takes about a second to answer, to sample CPU usage twice (`precpu_stats`); `oneShot` (API 1.41+)
    /// answers at once, without that second sample. A stopped container answers with zeroed figures; an unknown one
    /// is ``DockerError/Code-swift.struct/notFound``.
    public func stats(_ id: String, oneShot: Bool = false) async throws -> JSONValue {
        try Self.requireName(id, "container")
        var query = DockerQuery()
        query.add("stream", false)
        if oneShot { query.add("one-shot", true) }
        let response = try await call(.GET, "/containers/\(DockerQuery.segment(id))/stats", query, expecting: [200], extraHeadTimeout: .seconds(10))
        return try Self.parseJSON(response.body)
    }
}
