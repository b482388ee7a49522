public import DockerClient
import Foundation
public import Logging

/// Answers "does this process run in that container?" — the caller check of the workload API and of aziot-edged's
/// management API. Implementations must answer `false` whenever they cannot tell.
public protocol ProcessContainerLookup: Sendable {
    /// Whether the process `pid` (in the host's pid namespace, as `SO_PEERCRED` gives it) runs in the container
    /// named `containerName`.
    func isProcess(_ pid: Int32, inContainerNamed containerName: String) async -> Bool
}

extension ProcessContainerLookup {
    /// Passes when `pid` runs in the container of module `moduleId` (its name without a leading `$`, so `$edgeHub`
    /// is the container `edgeHub`); throws `403 forbidden` otherwise, as the reference does for every failure.
    public func authorize(pid: Int32, moduleId: String) async throws(WorkloadError) {
        let name = WorkloadAPI.containerName(ofModule: moduleId)
        guard !name.isEmpty, await isProcess(pid, inContainerNamed: name) else { throw .forbidden }
    }
}

/// Finds the container of a process from its cgroup (`/proc/<pid>/cgroup`, cgroup v1 and v2, Docker's `cgroupfs`
/// and `systemd` drivers), and asks Docker only for the id of the named container; when the cgroup names no Docker
/// container it falls back to the reference's method, the `PID` column of `docker top <name>`.
///
/// Unlike the reference, the container must be *named* exactly `containerName`: Docker also resolves a name as an id
/// prefix, so a module named like the start of another container's id would otherwise authorize that container.
public struct ContainerOfProcess: ProcessContainerLookup {
    public let docker: DockerClient
    /// Where `<pid>/cgroup` files are read: `/proc` (tests point it elsewhere).
    public let procRoot: String
    let logger: Logger

    public init(docker: DockerClient, procRoot: String = "/proc", logger: Logger) {
        self.docker = docker
        self.procRoot = procRoot
        self.logger = logger
    }

    /// How a process was matched to a container: from its cgroup, or through `docker top`.
    public enum Method: Sendable, Equatable {
        case cgroup(containerId: String)
        case dockerTop
    }

    /// The id of the Docker container `pid` runs in according to its cgroup file; nil when the file cannot be read
    /// or names no (single) Docker container.
    public func containerIdFromCgroup(of pid: Int32) -> String? {
        guard pid > 0, let data = FileManager.default.contents(atPath: "\(procRoot)/\(pid)/cgroup") else { return nil }
        return CgroupContainerID.dockerContainerID(cgroupFile: String(decoding: data, as: UTF8.self))
    }

    public func isProcess(_ pid: Int32, inContainerNamed containerName: String) async -> Bool {
        (try? await match(pid, inContainerNamed: containerName)) != nil
    }

    /// The method that placed `pid` in the container named `containerName`; throws a ``WorkloadError/forbidden``
    /// (with the reason logged) when it is not there or Docker cannot tell.
    public func match(_ pid: Int32, inContainerNamed containerName: String) async throws(WorkloadError) -> Method {
        let inspect: ContainerInspect
        do {
            inspect = try await docker.inspectContainer(containerName)
        } catch {
            logger.info("Auth for \(containerName) failed: \(error)")
            throw .forbidden
        }
        guard inspect.name == containerName else {
            logger.info("Auth for \(containerName) failed: Docker resolved the name to container \(inspect.name) (\(inspect.id))")
            throw .forbidden
        }
        if let id = containerIdFromCgroup(of: pid) {
            guard id == inspect.id else {
                logger.info("Only \(containerName) is authorized for this endpoint; pid \(pid) runs in container \(id).")
                throw .forbidden
            }
            return .cgroup(containerId: id)
        }
        let pids: [Int32]
        do {
            pids = try await docker.topContainer(inspect.id).pids()
        } catch {
            logger.info("Auth for \(containerName) failed: \(error)")
            throw .forbidden
        }
        guard pids.contains(pid) else {
            logger.info("Only \(containerName) is authorized for this endpoint; pid \(pid) not authorized.")
            throw .forbidden
        }
        return .dockerTop
    }
}
