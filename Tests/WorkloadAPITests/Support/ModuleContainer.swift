import DockerClient
import Foundation
import MQTTTestSupport

/// A module's container on the real Docker engine: the local busybox test image, no network, named like the module,
/// idle (`sleep`) so that requests can be made from inside it with `docker exec` (the exec'd process is in the
/// container's cgroup, as a module's own process is). The host's curl runs inside it from read-only bind mounts of
/// `/usr`, `/lib` and `/lib64`; the workload socket is bind-mounted at `/var/run/iotedge/workload.sock` as
/// edgeAgent mounts it.
struct ModuleContainer {
    static let image = "swift-iotedge-test/busybox:1"
    static let label = "net.swift-iotedge.test"
    /// Where the module's own workload socket appears in the container.
    static let workloadSocket = "/var/run/iotedge/workload.sock"

    let name: String
    let id: String

    /// A client of the engine the docker CLI talks to (`DOCKER_HOST` or /var/run/docker.sock).
    static var docker: DockerClient { DockerClient(configuration: .fromEnvironment(ProcessInfo.processInfo.environment)) }

    /// A container name (= module name) no other test or run uses.
    static func uniqueName(_ what: String) -> String {
        "wl-\(what)-\(UUID().uuidString.prefix(8).lowercased())"
    }

    /// Starts the container; `mounts` maps host socket paths to paths in the container.
    static func start(_ name: String, mounts: [(host: String, container: String)]) async throws -> ModuleContainer {
        try await ensureImage()
        var arguments = ["run", "-d", "--name", name, "--network", "none", "--label", "\(label)=workload-api"]
        for directory in ["/usr", "/lib", "/lib64"] where FileManager.default.fileExists(atPath: directory) {
            arguments += ["-v", "\(directory):\(directory):ro"]
        }
        for mount in mounts { arguments += ["-v", "\(mount.host):\(mount.container)"] }
        arguments += [image, "sleep", "600"]
        let result = try await ChildProcess.run("docker", arguments, timeout: .seconds(90))
        guard result.status == 0 else { throw TestFailure("docker run \(name) failed: \(result.stderr)") }
        return ModuleContainer(name: name, id: result.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// The host pid of the container's main process.
    func mainPid() async throws -> Int32 {
        let result = try await ChildProcess.run("docker", ["inspect", "--format", "{{.State.Pid}}", name])
        guard result.status == 0, let pid = Int32(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 0 else {
            throw TestFailure("docker inspect \(name): \(result.stderr)\(result.stdout)")
        }
        return pid
    }

    func remove() async {
        _ = try? await ChildProcess.run("docker", ["rm", "-f", name], timeout: .seconds(60))
    }

    /// Runs `body` with started containers and removes them whatever happens.
    static func with<T>(_ specs: [(name: String, mounts: [(host: String, container: String)])], _ body: ([ModuleContainer]) async throws -> T) async throws -> T {
        var started: [ModuleContainer] = []
        do {
            for spec in specs { started.append(try await start(spec.name, mounts: spec.mounts)) }
            let result = try await body(started)
            for container in started { await container.remove() }
            return result
        } catch {
            for container in started { await container.remove() }
            for spec in specs where !started.contains(where: { $0.name == spec.name }) {
                _ = try? await ChildProcess.run("docker", ["rm", "-f", spec.name], timeout: .seconds(60))
            }
            throw error
        }
    }

    /// Builds the test image (scripts/test-images.sh) when it is missing; fails clearly when no engine answers.
    static func ensureImage() async throws {
        let ping = try await ChildProcess.run("docker", ["version", "--format", "{{.Server.Version}}"], timeout: .seconds(30))
        guard ping.status == 0 else {
            throw TestFailure("no Docker engine answers (\(ping.stderr)); run scripts/setup.sh, which installs docker.io and starts dockerd")
        }
        let inspect = try await ChildProcess.run("docker", ["image", "inspect", image], timeout: .seconds(30))
        if inspect.status != 0 {
            let script = projectRoot().appendingPathComponent("scripts/test-images.sh").path
            let result = try await ChildProcess.run("/bin/bash", [script], timeout: .seconds(120))
            guard result.status == 0 else { throw TestFailure("scripts/test-images.sh failed: \(result.stdout) \(result.stderr)") }
        }
    }
}
