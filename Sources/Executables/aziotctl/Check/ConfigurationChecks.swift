import EdgeConfigTool
import CheckReport
import CertService
import ConfigFiles
import Foundation
import IoTHubProtocol
import KeyService
import TOMLConfig

#if canImport(Glibc)
import Glibc
#if canImport(CoreFoundation)
import CoreFoundation  // with Foundation in the build, the C stat/timespec types are attributed to it
#endif
#elseif canImport(Darwin)
import Darwin
#endif

/// `*-config-well-formed` and `configs-up-to-date`.
enum ConfigurationChecks {
    static func keydWellFormed(_ context: inout CheckContext) async -> CheckOutcome {
        let (outcome, parsed) = load(.keyd, context.configFiles(.keyd)) { (table) throws(ConfigError) in try KeydConfiguration(table) }
        context.keyd = parsed
        return outcome
    }

    static func certdWellFormed(_ context: inout CheckContext) async -> CheckOutcome {
        let (outcome, parsed) = load(.certd, context.configFiles(.certd)) { (table) throws(ConfigError) in try CertdConfiguration(table) }
        context.certd = parsed
        return outcome
    }

    static func tpmdWellFormed(_ context: inout CheckContext) async -> CheckOutcome {
        let files = context.configFiles(.tpmd)
        let dropIns = (try? files.dropInFiles()) ?? []
        if !HostFiles.exists(files.mainFile) && dropIns.isEmpty {
            return .ignored(
                "tpmd is not configured (neither \(files.mainFile) nor any \(files.directory)/*.toml exists); it is only needed for TPM provisioning.")
        }
        let (outcome, parsed) = load(.tpmd, files) { (table) throws(ConfigError) in try TpmdSettings(table) }
        context.tpmd = parsed
        return outcome
    }

    static func identitydWellFormed(_ context: inout CheckContext) async -> CheckOutcome {
        let (outcome, parsed) = load(.identityd, context.configFiles(.identityd)) { (table) throws(ConfigError) in try IdentitydSettings(table) }
        context.identityd = parsed
        return outcome
    }

    /// Reads a service's main file and drop-ins and parses them with `parse`. A file the user may not read is
    /// fatal (nothing after it can be judged), any other problem an error that names the file, key and fix.
    static func load<T>(
        _ daemon: AziotDaemon, _ files: ConfigFileSet, parse: (ConfigTable) throws(ConfigError) -> T
    ) -> (CheckOutcome, T?) {
        let name = daemon.rawValue
        var info: JSONObject = [:]
        let dropIns: [String]
        do {
            dropIns = try files.dropInFiles()
        } catch {
            if let denied = permissionDenied([files.directory]) { return (denied, nil) }
            return (.error("\(name)'s configuration directory \(files.directory) cannot be read: \(error.message)"), nil)
        }
        let present = (HostFiles.exists(files.mainFile) ? [files.mainFile] : []) + dropIns
        info["files"] = .array(present.map { .string($0) })
        if let denied = permissionDenied(present) { return (denied, nil) }
        if present.isEmpty {
            return (
                .error(
                    "\(name) is not configured: neither \(files.mainFile) nor any \(files.directory)/*.toml exists.\n"
                        + "Write /etc/aziot/config.toml (e.g. with 'aziotctl config mp') and run 'aziotctl config apply'."),
                nil
            )
        }

        let table: ConfigTable
        do {
            table = try files.load()
        } catch {
            return (CheckOutcome(.error(notWellFormed(name, error.message, files: present, fix: fix(name, files: present))), info: info), nil)
        }
        do {
            let parsed = try parse(table)
            return (CheckOutcome(.ok, info: info), parsed)
        } catch {
            var message = error.message
            var fixFiles = present
            if error.code == .unknownKeys {
                let located = unknownKeys(in: error.message).map { key -> (String, [String]) in
                    (key, present.filter { file in (try? ConfigFileSet.readTable(file)).map { contains($0, keyPath: key) } ?? false })
                }
                let described = located.map { key, files in files.isEmpty ? key : "\(key) (in \(files.joined(separator: ", ")))" }
                message = "unknown configuration key\(located.count == 1 ? "" : "s") \(described.joined(separator: ", "))"
                let inFiles = Set(located.flatMap(\.1))
                if !inFiles.isEmpty { fixFiles = present.filter { inFiles.contains($0) } }
                let outcome = CheckOutcome(
                    .error(notWellFormed(name, message, files: present, fix: "Correct or remove \(located.count == 1 ? "it" : "them"). " + fix(name, files: fixFiles))),
                    info: info)
                return (outcome, nil)
            }
            return (CheckOutcome(.error(notWellFormed(name, message, files: present, fix: fix(name, files: fixFiles))), info: info), nil)
        }
    }

    static func notWellFormed(_ name: String, _ problem: String, files: [String], fix: String) -> CheckMessage {
        CheckMessage(
            "\(name)'s configuration is not well-formed: \(problem)\n\(fix)",
            causes: files.isEmpty ? [] : ["read from \(files.joined(separator: ", "))"])
    }

    /// How to fix a service config: edit the file (a generated 00-super.toml through the super-config instead).
    static func fix(_ name: String, files: [String]) -> String {
        let generated = files.filter { $0.hasSuffix("/00-super.toml") }
        let own = files.filter { !$0.hasSuffix("/00-super.toml") }
        var steps: [String] = []
        if !own.isEmpty {
            steps.append("Edit \(own.joined(separator: ", ")), then restart the services with 'aziotctl system restart'.")
        }
        if !generated.isEmpty {
            steps.append("\(generated.joined(separator: ", ")) is generated: edit /etc/aziot/config.toml instead and run 'aziotctl config apply'.")
        }
        if steps.isEmpty { steps.append("Create /etc/aziot/config.toml and run 'aziotctl config apply' to write \(name)'s configuration.") }
        return steps.joined(separator: "\n")
    }

    /// A fatal outcome for the first path this user may not open, else nil.
    static func permissionDenied(_ paths: [String]) -> CheckOutcome? {
        for path in paths {
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            if fd >= 0 {
                close(fd)
                continue
            }
            if errno == EACCES || errno == EPERM {
                return .fatal(
                    "Could not open file \(path): permission denied. You might need to run this command as root (sudo aziotctl check).",
                    causes: ["error in file \(path)", String(cString: strerror(EACCES))])
            }
        }
        return nil
    }

    /// The key paths of an ``ConfigError/Code/unknownKeys`` message (`unknown configuration keys: a, b.c`).
    static func unknownKeys(in message: String) -> [String] {
        guard let colon = message.firstIndex(of: ":") else { return [] }
        return message[message.index(after: colon)...].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// Whether `table` holds the dotted key path (`principal[0].uidd`; an index matches any element, since
    /// merged arrays are numbered across files).
    static func contains(_ table: ConfigTable, keyPath: String) -> Bool {
        var components: [String] = []
        for part in keyPath.split(separator: ".", omittingEmptySubsequences: false) {
            var text = Substring(part)
            var indexed = false
            while text.hasSuffix("]"), let open = text.lastIndex(of: "[") {
                text = text[..<open]
                indexed = true
            }
            components.append(String(text))
            if indexed { components.append("[]") }
        }
        func search(_ value: ConfigValue, _ rest: ArraySlice<String>) -> Bool {
            guard let first = rest.first else { return true }
            switch value {
            case .table(let table):
                guard first != "[]", let next = table[first] else { return false }
                return search(next, rest.dropFirst())
            case .array(let items):
                guard first == "[]" else { return false }
                return items.contains { search($0, rest.dropFirst()) }
            default:
                return false
            }
        }
        return search(.table(table), components[...])
    }

    // MARK: configs-up-to-date

    /// Warns when the super-config is newer than a generated `00-super.toml`, or one is missing.
    static func upToDate(_ context: inout CheckContext) async -> CheckOutcome {
        let superConfig = context.environment["AZIOTCTL_CONFIG"] ?? "/etc/aziot/config.toml"
        let superModified: Double
        switch HostFiles.modificationTime(superConfig) {
        case .success(let time): superModified = time
        case .failure(let error) where error.message == "ENOENT":
            return .ignored("\(superConfig) does not exist: the services are configured directly, not with 'aziotctl config apply'.")
        case .failure(let error):
            return .error("could not examine \(superConfig): \(error.message). Run this command as root (sudo aziotctl check).")
        }
        let program = ProgramName.current
        for daemon in [AziotDaemon.keyd, .certd, .identityd, .tpmd] {
            let generated = context.configFiles(daemon).directory + "/00-super.toml"
            switch HostFiles.modificationTime(generated) {
            case .failure(let error) where error.message == "ENOENT":
                return .warning("\(generated) does not exist.\nDid you run '\(program) config apply'?")
            case .failure(let error):
                return .error("could not examine \(generated): \(error.message). Run this command as root (sudo aziotctl check).")
            case .success(let modified) where superModified > modified:
                return .warning(
                    "\(superConfig) was modified after \(daemon.rawValue)'s config\n"
                        + "You must run '\(program) config apply' to update \(daemon.rawValue)'s config with the latest config.toml")
            case .success:
                continue
            }
        }
        return .ok
    }
}

/// The name this program was run as (`aziotctl`, or a wrapper's name), for messages that tell users what to run.
enum ProgramName {
    static var current: String {
        let name = (CommandLine.arguments.first ?? "aziotctl").split(separator: "/").last.map(String.init) ?? "aziotctl"
        return name.isEmpty ? "aziotctl" : name
    }
}
