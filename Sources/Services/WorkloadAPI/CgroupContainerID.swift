/// Finds the Docker container a process runs in from the text of its `/proc/<pid>/cgroup` file, as read from the
/// host's cgroup namespace. Pure: no file or Docker access.
///
/// Recognised layouts (one `hierarchy-id:controllers:path` line per hierarchy):
/// - cgroup v1 or v2 with Docker's `cgroupfs` driver: `…/docker/<64 hex>`;
/// - cgroup v1 or v2 with the `systemd` driver (also rootless Docker): `…/docker-<64 hex>.scope`;
/// - sub-groups below a container's group (`…/docker/<id>/init.scope`) and Docker in Docker
///   (`/docker/<outer>/docker/<inner>`): the innermost container wins.
///
/// Lines that name no container (a v1 controller left at `/`, the v2 line of a hybrid host) are ignored; lines that
/// name different containers make the answer unknown (nil), as does a path with no Docker container at all (a host
/// process, a custom `--cgroup-parent`, another runtime). Callers then fall back to asking Docker (`docker top`).
public enum CgroupContainerID {
    /// A Docker container id: 64 lowercase hexadecimal digits.
    public static func isContainerID(_ text: some StringProtocol) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }

    /// The container id named by every line that names one, or nil.
    public static func dockerContainerID(cgroupFile text: String) -> String? {
        var found: String?
        for line in text.split(whereSeparator: \.isNewline) {
            // `hierarchy-id:controller-list:path`; the path itself may contain ':'.
            let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3, fields[2].hasPrefix("/") else { continue }
            guard let id = dockerContainerID(path: fields[2]) else { continue }
            if let found, found != id { return nil }
            found = id
        }
        return found
    }

    /// The innermost Docker container named by one cgroup path, or nil.
    public static func dockerContainerID(path: some StringProtocol) -> String? {
        var innermost: String?
        var previous: Substring = ""
        for segment in String(path).split(separator: "/") {
            if previous == "docker", isContainerID(segment) {
                innermost = String(segment)
            } else if segment.hasPrefix("docker-"), segment.hasSuffix(".scope") {
                let id = segment.dropFirst("docker-".count).dropLast(".scope".count)
                if isContainerID(id) { innermost = String(id) }
            }
            previous = segment
        }
        return innermost
    }
}
