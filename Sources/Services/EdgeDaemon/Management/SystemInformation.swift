import DockerClient
public import Foundation
public import IoTHubProtocol
#if canImport(Glibc)
import Glibc
#endif

/// `GET /systeminfo` and `GET /systeminfo/resources` (§2.6), read from the host (`uname`, `/etc/os-release`,
/// `/proc`, DMI) and Docker.
public struct SystemInformation: Sendable {
    /// `"<version> (<git sha>)"`.
    public var version: String
    public var additionalInfo: [(key: String, value: String)]
    public var hostRoot: String
    public let startTime: Date

    public init(version: String, additionalInfo: [(key: String, value: String)] = [], hostRoot: String = "", startTime: Date = Date()) {
        self.version = version
        self.additionalInfo = additionalInfo
        self.hostRoot = hostRoot
        self.startTime = startTime
    }

    /// SystemInfo: snake_case members except `osType`; absent facts are left out; `additional_info` entries override
    /// known members of the same name and add the others.
    public func systemInfo(dockerServerVersion: String?) -> JSONValue {
        var object = JSONObject()
        var names = utsname()
        let unameWorked = uname(&names) == 0
        func field<T>(_ value: T) -> String {
            withUnsafeBytes(of: value) { raw in String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self) }
        }
        object["osType"] = .string(unameWorked ? field(names.sysname) : "UNKNOWN")
        if unameWorked {
            object["kernel_release"] = .string(field(names.release))
            object["kernel_version"] = .string(field(names.version))
        }
        let release = osRelease()
        if let id = release["ID"] { object["operating_system"] = .string(id) }
        if let version = release["VERSION_ID"] { object["operating_system_version"] = .string(version) }
        if let variant = release["VARIANT_ID"] { object["operating_system_variant"] = .string(variant) }
        if let build = release["BUILD_ID"] { object["operating_system_build"] = .string(build) }
        object["architecture"] = .string(unameWorked ? Self.architecture(field(names.machine)) : "UNKNOWN")
        object["cpus"] = .int(Int64(ProcessInfo.processInfo.activeProcessorCount))
        if let total = memInfo()["MemTotal"] { object["total_memory"] = .int(total) }
        object["virtualized"] = .string(virtualization())
        if let product = read("/sys/class/dmi/id/product_name") { object["product_name"] = .string(product) }
        if let vendor = read("/sys/class/dmi/id/sys_vendor") { object["system_vendor"] = .string(vendor) }
        object["version"] = .string(version)
        if let dockerServerVersion { object["server_version"] = .string(dockerServerVersion) }
        object["provisioning"] = ["type": "ProvisioningType", "dynamicReprovisioning": false, "alwaysReprovisionOnStartup": false]
        for (key, value) in additionalInfo { object[key] = .string(value) }
        return .object(object)
    }

    /// SystemResources; `dockerStats` are the modules' Docker stats objects, sent as the reference does: one string
    /// holding their JSON array.
    public func resources(dockerStats: [JSONValue] = []) -> JSONValue {
        let memory = memInfo()
        let total = memory["MemTotal"] ?? 0
        let available = memory["MemAvailable"] ?? memory["MemFree"] ?? 0
        var disks: [JSONValue] = []
        for mount in mounts() {
            var info = statvfs()
            guard statvfs(mount.path, &info) == 0, info.f_blocks > 0 else { continue }
            let block = Int64(info.f_frsize)
            disks.append([
                "name": .string(mount.device),
                "available_space": .int(Int64(info.f_bavail) * block),
                "total_space": .int(Int64(info.f_blocks) * block),
                "file_system": .string(mount.type),
                "file_type": .string(mount.path),
            ])
        }
        return [
            "host_uptime": .int(hostUptime()),
            "process_uptime": .int(Int64(Date().timeIntervalSince(startTime))),
            "used_cpu": .double(cpuLoad()),
            "used_ram": .int(total - available),
            "total_ram": .int(total),
            "disks": .array(disks),
            "docker_stats": .string(JSONValue.array(dockerStats).jsonString),
        ]
    }

    static func architecture(_ machine: String) -> String {
        switch machine {
        case "x86_64": "x86_64"
        case "aarch64": "aarch64"
        case let other where other.hasPrefix("arm"): "arm"
        default: machine
        }
    }

    private func read(_ path: String) -> String? {
        guard let data = FileManager.default.contents(atPath: hostRoot + path) else { return nil }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? nil : text
    }

    private func osRelease() -> [String: String] {
        guard let text = read("/etc/os-release") ?? read("/usr/lib/os-release") else { return [:] }
        var result: [String: String] = [:]
        for line in text.split(whereSeparator: \.isNewline) {
            guard let equals = line.firstIndex(of: "=") else { continue }
            var value = line[line.index(after: equals)...]
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = value.dropFirst().dropLast() }
            result[String(line[..<equals])] = String(value)
        }
        return result
    }

    /// `/proc/meminfo` values in bytes.
    private func memInfo() -> [String: Int64] {
        guard let text = read("/proc/meminfo") else { return [:] }
        var result: [String: Int64] = [:]
        for line in text.split(whereSeparator: \.isNewline) {
            let parts = line.split(whereSeparator: { $0 == ":" || $0 == " " })
            guard parts.count >= 2, let value = Int64(parts[1]) else { continue }
            result[String(parts[0])] = parts.count >= 3 && parts[2] == "kB" ? value * 1024 : value
        }
        return result
    }

    private func hostUptime() -> Int64 {
        guard let text = read("/proc/uptime"), let first = text.split(separator: " ").first, let seconds = Double(first) else { return 0 }
        return Int64(seconds)
    }

    /// The one-minute load average over the CPU count, as a percentage (no sampling interval needed).
    private func cpuLoad() -> Double {
        guard let text = read("/proc/loadavg"), let first = text.split(separator: " ").first, let load = Double(first) else { return 0 }
        return min(100, load / Double(max(1, ProcessInfo.processInfo.activeProcessorCount)) * 100)
    }

    /// `yes` under a hypervisor (the `hypervisor` CPU flag), `no` without, `unknown` when `/proc/cpuinfo` is unreadable.
    private func virtualization() -> String {
        guard let text = read("/proc/cpuinfo") else { return "unknown" }
        for line in text.split(whereSeparator: \.isNewline) where line.hasPrefix("flags") {
            return line.split(separator: " ").contains("hypervisor") ? "yes" : "no"
        }
        return "unknown"
    }

    private func mounts() -> [(device: String, path: String, type: String)] {
        guard let text = read("/proc/mounts") else { return [] }
        var seen = Set<String>()
        var result: [(device: String, path: String, type: String)] = []
        for line in text.split(whereSeparator: \.isNewline) {
            let parts = line.split(separator: " ")
            guard parts.count >= 3, parts[0].hasPrefix("/dev/"), seen.insert(String(parts[0])).inserted else { continue }
            result.append((String(parts[0]), String(parts[1]), String(parts[2])))
        }
        return result
    }
}
