public import DockerClient

/// Answers the two questions caller authorization asks about a connecting process (host pid from `SO_PEERCRED`).
public protocol ModuleCallerLookup: Sendable {
    /// Whether `pid` runs in the container named `container` (the reference: `docker top <container>`).
    func process(_ pid: Int32, runsIn container: String) async -> Bool
    /// The name of the module container (one carrying edged's owner label) that `pid` runs in, or nil when it runs in
    /// none (a host process such as the `iotedge` CLI, or a container edged does not manage).
    func moduleContainer(ofProcess pid: Int32) async -> String?
}

/// ``ModuleCallerLookup`` through Docker: `GET /containers/{name}/top` for membership (one round trip per check,
/// as the reference), the process's cgroup plus an inspect for the container of a process.
public struct DockerModuleCallerLookup: ModuleCallerLookup {
    public let docker: DockerClient
    public let procRoot: String

    public init(docker: DockerClient, procRoot: String = "/proc") {
        self.docker = docker
        self.procRoot = procRoot
    }

    public func process(_ pid: Int32, runsIn container: String) async -> Bool {
        // Any failure (no such container, not running, unparsable answer) denies.
        guard let pids = try? await docker.topContainer(container).pids() else { return false }
        return pids.contains(pid)
    }

    public func moduleContainer(ofProcess pid: Int32) async -> String? {
        guard let id = ProcessCgroup.containerId(pid: pid, procRoot: procRoot),
            let container = try? await docker.inspectContainer(id),
            container.config.labels[ModuleLabels.owner] == ModuleLabels.ownerValue
        else { return nil }
        return container.name
    }
}
