import Foundation

/// Which container a host process runs in, from its cgroup (`/proc/<pid>/cgroup`): Docker puts a container's
/// processes in a cgroup named after the container's 64-hex-digit id (`/docker/<id>` with cgroupfs,
/// `/system.slice/docker-<id>.scope` with systemd). Self-contained so that the workload API can use it as well.
public enum ProcessCgroup {
    /// The container id of `pid`, or nil when the process is in no container (or is gone).
    public static func containerId(pid: Int32, procRoot: String = "/proc") -> String? {
        guard let data = FileManager.default.contents(atPath: "\(procRoot)/\(pid)/cgroup") else { return nil }
        return containerId(cgroupText: String(decoding: data, as: UTF8.self))
    }

    /// The first container id named in a cgroup file's paths.
    public static func containerId(cgroupText: String) -> String? {
        for line in cgroupText.split(whereSeparator: \.isNewline) {
            // hierarchy-ID:controllers:path
            let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3 else { continue }
            for segment in fields[2].split(separator: "/").reversed() {
                if let id = id(in: segment) { return id }
            }
        }
        return nil
    }

    /// `<id>`, `docker-<id>.scope`, `cri-containerd-<id>.scope`, `libpod-<id>.scope`.
    static func id(in segment: Substring) -> String? {
        var text = segment
        if text.hasSuffix(".scope") { text = text.dropLast(".scope".count) }
        if let dash = text.lastIndex(of: "-") { text = text[text.index(after: dash)...] }
        guard text.count == 64, text.allSatisfy({ $0.isHexDigit && !$0.isUppercase }) else { return nil }
        return String(text)
    }
}
