import NIOCore
import NIOHTTP1

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
