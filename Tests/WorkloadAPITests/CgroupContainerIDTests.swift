import Foundation
import Testing
import WorkloadAPI

@Suite("The container of a process from /proc/<pid>/cgroup (cgroup v1 and v2, Docker's cgroupfs and systemd drivers)")
struct CgroupContainerIDTests {
    static let inner = "c6d7283689ee90eb28d05e763b7d85555d4d312f91b7847afa265aa97742c731"

    static func fixture(_ name: String) throws -> String {
        guard let url = Bundle.module.url(forResource: "Fixtures/cgroup/\(name)", withExtension: "txt") else {
            throw FixtureMissing(name: name)
        }
        return try String(contentsOf: url, encoding: .utf8)
    }

    struct FixtureMissing: Error { let name: String }

    @Test(
        "a Docker container is found",
        arguments: [
            "v1-cgroupfs", "v1-systemd", "hybrid", "v2-cgroupfs", "v2-systemd", "v2-systemd-subgroup", "v2-rootless", "nested",
        ]
    )
    func containerFound(fixture: String) throws {
        #expect(CgroupContainerID.dockerContainerID(cgroupFile: try Self.fixture(fixture)) == Self.inner)
    }

    @Test(
        "no answer when no single Docker container is named (then docker top decides)",
        arguments: [
            "host-process-v1", "host-process-v2", "dockerd-itself", "kubepods", "custom-parent", "conflicting", "not-ids", "malformed",
        ]
    )
    func noContainer(fixture: String) throws {
        #expect(CgroupContainerID.dockerContainerID(cgroupFile: try Self.fixture(fixture)) == nil)
    }

    @Test("paths: the innermost container wins; ids are exactly 64 lowercase hex digits")
    func paths() {
        let outer = String(repeating: "ab", count: 32)
        #expect(CgroupContainerID.dockerContainerID(path: "/docker/\(outer)/docker/\(Self.inner)/init.scope") == Self.inner)
        #expect(CgroupContainerID.dockerContainerID(path: "/system.slice/docker-\(Self.inner).scope") == Self.inner)
        #expect(CgroupContainerID.dockerContainerID(path: "/system.slice/docker-\(Self.inner).scope.extra") == nil)
        #expect(CgroupContainerID.dockerContainerID(path: "/system.slice/docker-\(Self.inner)") == nil)
        #expect(CgroupContainerID.dockerContainerID(path: "/docker/\(Self.inner)0") == nil)
        #expect(CgroupContainerID.dockerContainerID(path: "/notdocker/\(Self.inner)") == nil)
        #expect(CgroupContainerID.dockerContainerID(path: "/") == nil)
        #expect(CgroupContainerID.isContainerID(Self.inner))
        #expect(!CgroupContainerID.isContainerID(Self.inner.uppercased()))
        #expect(!CgroupContainerID.isContainerID(String(Self.inner.dropLast())))
        #expect(!CgroupContainerID.isContainerID(String(Self.inner.dropLast()) + "g"))
    }

    @Test("a path with ':' in it still parses (only the first two ':' separate fields)")
    func colonInPath() {
        #expect(CgroupContainerID.dockerContainerID(cgroupFile: "0::/odd:name/docker/\(Self.inner)\n") == Self.inner)
    }
}
