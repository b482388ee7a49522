public import DockerClient

extension ModuleRuntime {
    /// The container's log body as Docker sends it (multiplexed frames unless it has a TTY), handed over as it
    /// arrives: with `follow`, new output keeps coming until the container stops. The Docker connection closes when
    /// the stream ends, is dropped or its consuming task is cancelled.
    public func logStream(_ name: String, _ query: LogsQuery) async throws -> DockerByteStream {
        do {
            return try await docker.containerLogsRaw(name, options: query.dockerOptions).body
        } catch {
            throw ModuleRuntimeError("could not get logs of module \(name)", error)
        }
    }
}
