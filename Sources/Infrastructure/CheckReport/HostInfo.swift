import Foundation
public import IoTHubProtocol

/// The top-level `additional_info` of `check`'s JSON output: time, OS, DMI, memory and disks, as the reference
/// reports them (support tooling reads these fields).
public enum HostInfo {
    public static func additionalInfo(iothubHostname: String?, localGatewayHostname: String?) -> JSONObject {
        var info: JSONObject = [
            "now": .string(now()),
            "os": .object(os()),
            "dmi": .object(dmi()),
            "system_info": .object(systemInfo()),
        ]
        if let iothubHostname { info["iothub_hostname"] = .string(iothubHostname) }
        if let localGatewayHostname { info["local_gateway_hostname"] = .string(localGatewayHostname) }
        return info
    }

    public static func now() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date())
    }

    /// `/etc/os-release` (or `/usr/lib/os-release`) fields, the architecture and the pointer width.
    public static func os() -> JSONObject {
        var info: JSONObject = [:]
        let text = readText("/etc/os-release") ?? readText("/usr/lib/os-release") ?? ""
        var fields: [String: String] = [:]
        for line in text.split(separator: "\n") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            var value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, let first = value.first, first == "\"" || first == "'", value.last == first {
                value = String(value.dropFirst().dropLast())
            }
            fields[String(line[..<equals])] = value
        }
        for (key, name) in [("ID", "id"), ("VERSION_ID", "version_id"), ("VARIANT_ID", "variant_id"), ("BUILD_ID", "build_id")] {
            if let value = fields[key] { info[name] = .string(value) }
        }
        info["arch"] = .string(architecture())
        info["bitness"] = .int(Int64(MemoryLayout<Int>.size * 8))
        return info
    }

    static func architecture() -> String {
        var name = utsname()
        uname(&name)
        let machine = withUnsafeBytes(of: name.machine) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        switch machine {
        case "armv7l", "armv6l", "arm": return "arm"
        case "arm64": return "aarch64"
        default: return machine
        }
    }

    static func dmi() -> JSONObject {
        func value(_ name: String) -> JSONValue {
            guard let text = readText("/sys/devices/virtual/dmi/id/\(name)")?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty else {
                return .null
            }
            return .string(text)
        }
        return ["product": value("product_name"), "vendor": value("sys_vendor")]
    }

    public static func systemInfo() -> JSONObject {
        var memory: [String: UInt64] = [:]
        for line in (readText("/proc/meminfo") ?? "").split(separator: "\n") {
            let parts = line.split(whereSeparator: { $0 == ":" || $0 == " " })
            if parts.count >= 2, let kib = UInt64(parts[1]) { memory[String(parts[0])] = kib * 1024 }
        }
        let total = memory["MemTotal"] ?? 0
        let available = memory["MemAvailable"] ?? memory["MemFree"] ?? 0
        let swapTotal = memory["SwapTotal"] ?? 0
        let swapFree = memory["SwapFree"] ?? 0
        return [
            "used_ram": .string(bytes(total - min(total, available))),
            "total_ram": .string(bytes(total)),
            "used_swap": .string(bytes(swapTotal - min(swapTotal, swapFree))),
            "total_swap": .string(bytes(swapTotal)),
            "disks": .array(disks()),
        ]
    }

    /// Mounted block devices: space, file system and whether the disk rotates.
    static func disks() -> [JSONValue] {
        var seen: Set<String> = []
        var disks: [JSONValue] = []
        for line in (readText("/proc/mounts") ?? "").split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count >= 3, fields[0].hasPrefix("/dev/") else { continue }
            let device = String(fields[0])
            let mountPoint = String(fields[1]).replacingOccurrences(of: "\\040", with: " ")
            guard seen.insert(device).inserted else { continue }
            var space = statvfs()
            guard statvfs(mountPoint, &space) == 0 else { continue }
            let total = UInt64(space.f_blocks) * UInt64(space.f_frsize)
            let available = UInt64(space.f_bavail) * UInt64(space.f_frsize)
            guard total > 0 else { continue }
            disks.append(.object([
                "name": .string(device),
                "percent_free": .string(String(format: "%.1f%%", Double(available) / Double(total) * 100)),
                "available_space": .string(bytes(available)),
                "total_space": .string(bytes(total)),
                "file_system": .string(String(fields[2])),
                "file_type": .string(diskKind(device)),
            ]))
        }
        return disks
    }

    /// `HDD`, `SSD` or `Unknown(-1)`, from `/sys/block/<disk>/queue/rotational`.
    static func diskKind(_ device: String) -> String {
        var name = String(device.dropFirst("/dev/".count))
        while !name.isEmpty, !FileManager.default.fileExists(atPath: "/sys/block/\(name)") {
            // sda1 → sda, nvme0n1p1 → nvme0n1
            if name.last?.isNumber == true {
                name.removeLast()
                if name.hasSuffix("p"), name.dropLast().last?.isNumber == true { name.removeLast() }
            } else {
                break
            }
        }
        switch readText("/sys/block/\(name)/queue/rotational")?.trimmingCharacters(in: .whitespacesAndNewlines) {
        case "1": return "HDD"
        case "0": return "SSD"
        default: return "Unknown(-1)"
        }
    }

    /// `7.63 GiB`: binary units with two decimals.
    static func bytes(_ count: UInt64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"]
        var value = Double(count)
        var unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return String(format: "%.2f", value) + " " + units[unit]
    }

    static func readText(_ path: String) -> String? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }
}
