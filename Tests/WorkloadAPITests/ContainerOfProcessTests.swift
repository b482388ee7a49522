import DockerClient
import Foundation
import MQTTTestSupport
import NIOHTTP1
import Testing
import WorkloadAPI

/// The caller check against the real Docker engine, with real container processes.
@Suite("ContainerOfProcess: pid → container via cgroup, docker top fallback (§4.1)")
struct ContainerOfProcessTests {
    static func lookup(procRoot: String = "/proc") -> ContainerOfProcess {
        ContainerOfProcess(docker: ModuleContainer.docker, procRoot: procRoot, logger: makeTestLogger(label: "container-of-process"))
    }

    @Test("a container's processes belong to it by cgroup; with no readable cgroup, docker top decides the same")
    func matchAndFallback() async throws {
        let nameA = ModuleContainer.uniqueName("pa")
        let nameB = ModuleContainer.uniqueName("pb")
        try await ModuleContainer.with([(nameA, []), (nameB, [])]) { containers in
            let (a, b) = (containers[0], containers[1])
            let pidA = try await a.mainPid()
            let pidB = try await b.mainPid()
            let lookup = Self.lookup()
            #expect(lookup.containerIdFromCgroup(of: pidA) == a.id)
            #expect(try await lookup.match(pidA, inContainerNamed: nameA) == .cgroup(containerId: a.id))
            #expect(await lookup.isProcess(pidA, inContainerNamed: nameA))
            #expect(await !lookup.isProcess(pidB, inContainerNamed: nameA))
            #expect(await !lookup.isProcess(pidA, inContainerNamed: nameB))
            #expect(await !lookup.isProcess(ProcessInfo.processInfo.processIdentifier, inContainerNamed: nameA))
            #expect(await !lookup.isProcess(pidA, inContainerNamed: nameA + "-missing"))

            // No cgroup files (an empty /proc stand-in): the reference's docker top.
            let empty = try TemporaryDirectory()
            let fallback = Self.lookup(procRoot: empty.path)
            #expect(fallback.containerIdFromCgroup(of: pidA) == nil)
            #expect(try await fallback.match(pidA, inContainerNamed: nameA) == .dockerTop)
            #expect(await !fallback.isProcess(pidB, inContainerNamed: nameA))
            #expect(await !fallback.isProcess(pidA + 100_000, inContainerNamed: nameA))

            // A process started later with docker exec is in the container too (by cgroup and by docker top).
            let exec = try ChildProcess("docker", ["exec", nameA, "sleep", "30"])
            defer { exec.terminate() }
            var execPid: Int32?
            _ = await eventually(timeout: .seconds(20)) {
                let pids = (try? await ModuleContainer.docker.topContainer(a.id).pids()) ?? []
                execPid = pids.first { $0 != pidA }
                return execPid != nil
            }
            let pid = try #require(execPid)
            #expect(try await lookup.match(pid, inContainerNamed: nameA) == .cgroup(containerId: a.id))
            #expect(try await fallback.match(pid, inContainerNamed: nameA) == .dockerTop)
        }
    }

    @Test("a cgroup naming another container refuses without docker top; Docker's id-prefix lookup does not authorize")
    func cgroupDecidesAndNamesAreExact() async throws {
        let nameA = ModuleContainer.uniqueName("qa")
        try await ModuleContainer.with([(nameA, [])]) { containers in
            let a = containers[0]
            let pidA = try await a.mainPid()
            // A /proc stand-in where pidA's cgroup names some other container: refused although docker top lists it.
            let fake = try TemporaryDirectory()
            try FileManager.default.createDirectory(atPath: "\(fake.path)/\(pidA)", withIntermediateDirectories: true)
            try fake.write("\(pidA)/cgroup", "0::/docker/\(String(repeating: "0", count: 64))\n")
            #expect(await !Self.lookup(procRoot: fake.path).isProcess(pidA, inContainerNamed: nameA))

            // Docker resolves "<id prefix>" to container A, but A is not named so: no module of that name runs.
            let prefix = String(a.id.prefix(16))
            #expect(await !Self.lookup().isProcess(pidA, inContainerNamed: prefix))
            #expect(await !Self.lookup(procRoot: "/nonexistent").isProcess(pidA, inContainerNamed: prefix))
        }
    }

    @Test("authorize(pid:moduleId:) drops the leading $ and answers 403 forbidden")
    func authorizeModule() async throws {
        let name = ModuleContainer.uniqueName("edgehub")
        try await ModuleContainer.with([(name, [])]) { containers in
            let pid = try await containers[0].mainPid()
            try await Self.lookup().authorize(pid: pid, moduleId: "$" + name)
            do throws(WorkloadError) {
                try await Self.lookup().authorize(pid: ProcessInfo.processInfo.processIdentifier, moduleId: "$" + name)
                Issue.record("a host process was authorized")
            } catch {
                #expect(error == WorkloadError.forbidden)
                #expect(error.status.code == 403)
            }
        }
    }
}
