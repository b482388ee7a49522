import DockerClient
public import WorkloadAPI

/// Answers the two questions caller authorization asks about a connecting process (host pid from `SO_PEERCRED`).
public protocol ModuleCallerLookup: Sendable {
    /// Whether `pid` runs in the container named `container` (the reference: `docker top <container>`).
    func process(_ pid: Int32, runsIn container: String) async -> Bool
    /// The name of the module container (one carrying edged's owner label) that `pid` runs in, or nil when it runs in
    /// none (a host process such as the `iotedge` CLI, or a container edged does not manage).
    func moduleContainer(ofProcess pid: Int32) async -> String?
}

/// The workload API's lookup answers both for the management API: membership from the process's cgroup (or
/// `docker top`), and the container of a process from its cgroup plus one inspect.
extension ContainerOfProcess: ModuleCallerLookup {
    public func process(_ pid: Int32, runsIn container: String) async -> Bool {
        await isProcess(pid, inContainerNamed: container)
    }

    public func moduleContainer(ofProcess pid: Int32) async -> String? {
        guard let id = containerIdFromCgroup(of: pid),
            let container = try? await docker.inspectContainer(id),
            container.config.labels[ModuleLabels.owner] == ModuleLabels.ownerValue
        else { return nil }
        return container.name
    }
}
