#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Foundation
public import Logging
import TOMLConfig

/// identityd's files under its home directory, with the reference's names and formats so that a device's existing
/// `/var/lib/aziot/identityd` keeps working:
/// - `device_info`: ``DeviceInfo`` as TOML;
/// - `prev_state`: the settings at the last successful reconciliation (TOML; only its principals are read back);
/// - `modules/<sha256hex(hub)>-<sha256hex(device)>/<alnum(module)>-<sha256hex(module)>`: each Hub module (JSON, no
///   keys). Creating a new device directory removes the whole old `modules/` tree.
///
/// Ours in addition: `provisioning_fingerprint`, the fingerprint of the provisioning settings the backup was made
/// with (see ``ProvisioningFingerprint``).
///
/// Files are written atomically (temporary file, then rename). Backup problems are logged, not thrown, where the
/// reference only warns (module backups); the device state and settings writes throw.
public struct IdentityStateStore: Sendable {
    public let homedir: String
    let logger: Logger

    public init(homedir: String, logger: Logger) {
        self.homedir = homedir
        self.logger = logger
    }

    public var deviceInfoPath: String { homedir + "/device_info" }
    public var prevStatePath: String { homedir + "/prev_state" }
    public var fingerprintPath: String { homedir + "/provisioning_fingerprint" }
    public var modulesDirectory: String { homedir + "/modules" }

    /// `modules/<sha256hex(hub)>-<sha256hex(device)>`.
    public func deviceDirectory(hub: String, deviceId: String) -> String {
        "\(modulesDirectory)/\(Naming.sha256Hex(hub))-\(Naming.sha256Hex(deviceId))"
    }

    /// `…/<alnum(module)>-<sha256hex(module)>`.
    public func modulePath(hub: String, deviceId: String, moduleId: String) -> String {
        "\(deviceDirectory(hub: hub, deviceId: deviceId))/\(Naming.alphanumerics(moduleId))-\(Naming.sha256Hex(moduleId))"
    }

    /// Creates the home directory when missing.
    public func createHomeDirectory() throws {
        try FileManager.default.createDirectory(atPath: homedir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    }

    // MARK: Device

    /// What `device_info` says; nil when absent. An unreadable or invalid file is deleted (and nil returned), as the
    /// reference does.
    public func readDeviceInfo() -> DeviceInfo.FileContents? {
        guard let data = FileManager.default.contents(atPath: deviceInfoPath) else { return nil }
        do {
            guard let text = String(data: data, encoding: .utf8) else { throw StateError("device_info is not UTF-8") }
            return try DeviceInfo.parse(text)
        } catch {
            logger.warning("Ignoring invalid device info backup: \(error)")
            if (try? FileManager.default.removeItem(atPath: deviceInfoPath)) == nil {
                logger.warning("Failed to delete invalid device info backup \(deviceInfoPath)")
            }
            return nil
        }
    }

    public func writeDeviceInfo(_ info: DeviceInfo) throws {
        try writeAtomically(info.tomlText, to: deviceInfoPath)
    }

    public func removeDeviceInfo() {
        remove(deviceInfoPath, what: "device state")
        remove(fingerprintPath, what: "provisioning fingerprint")
    }

    /// Called when the device is (re)provisioned: when its module directory does not exist yet, the backups of every
    /// other device are removed and the directory is created.
    public func prepareDevice(hub: String, deviceId: String) {
        let directory = deviceDirectory(hub: hub, deviceId: deviceId)
        guard !FileManager.default.fileExists(atPath: directory) else { return }
        if FileManager.default.fileExists(atPath: modulesDirectory) {
            do {
                try FileManager.default.removeItem(atPath: modulesDirectory)
            } catch {
                logger.warning("Failed to clear old module backup state: \(error)")
            }
        }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            logger.warning("Failed to create module information backup state folder: \(error)")
        }
    }

    /// Removes the module backups of one device (before an explicit reprovision).
    public func removeModules(hub: String, deviceId: String) {
        remove(deviceDirectory(hub: hub, deviceId: deviceId), what: "module identities")
    }

    // MARK: Modules

    /// Stores a module (without its keys), or removes its backup when `module` is nil. Failures are logged.
    public func writeModule(hub: String, deviceId: String, moduleId: String, _ module: HubModule?) {
        let path = modulePath(hub: hub, deviceId: deviceId, moduleId: moduleId)
        guard let module else {
            remove(path, what: "module backup")
            return
        }
        do {
            let data = module.withoutAuthentication.jsonBytes
            try FileManager.default.createDirectory(
                atPath: deviceDirectory(hub: hub, deviceId: deviceId), withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            try writeAtomically(String(decoding: data, as: UTF8.self), to: path)
        } catch {
            logger.warning("Failed to save module information backup state: \(error)")
        }
    }

    /// A module's backup, if any and readable.
    public func readModule(hub: String, deviceId: String, moduleId: String) -> HubModule? {
        let path = modulePath(hub: hub, deviceId: deviceId, moduleId: moduleId)
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        do {
            return try JSONDecoder().decode(HubModule.self, from: data)
        } catch {
            logger.error("Invalid input from backup file \(path). Failure reason: \(error)")
            return nil
        }
    }

    /// Every module backup of the device (directories skipped); throws when the directory cannot be read or a file
    /// does not parse, as the reference does.
    public func listModules(hub: String, deviceId: String) throws -> [HubModule] {
        let directory = deviceDirectory(hub: hub, deviceId: deviceId)
        var modules: [HubModule] = []
        for name in try FileManager.default.contentsOfDirectory(atPath: directory).sorted() {
            var isDirectory: ObjCBool = false
            let path = "\(directory)/\(name)"
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
            guard let data = FileManager.default.contents(atPath: path) else { throw StateError("cannot read \(path)") }
            modules.append(try JSONDecoder().decode(HubModule.self, from: data))
        }
        return modules
    }

    // MARK: Settings

    /// The Hub modules identityd created at the last reconciliation: the `module` principals of `prev_state`, but only
    /// if `device_info` names `device` (else nothing is known to be ours).
    public func previousHubModules(for device: DeviceInfo) -> Set<String> {
        guard FileManager.default.fileExists(atPath: prevStatePath), let stored = readDeviceInfo() else { return [] }
        guard stored == .device(device) else { return [] }
        do {
            let text = try String(contentsOfFile: prevStatePath, encoding: .utf8)
            let table = try ConfigTable(toml: text, source: prevStatePath)
            guard case .array(let principals)? = table["principal"] else { return [] }
            var names: Set<String> = []
            for case .table(let principal) in principals {
                guard case .string(let name)? = principal["name"], case .array(let types)? = principal["idtype"] else { continue }
                if types.contains(.string(IdentityType.module.rawValue)) { names.insert(name) }
            }
            return names
        } catch {
            logger.warning("Ignoring invalid device settings backup: \(error)")
            return []
        }
    }

    public func writePrevState(_ configuration: IdentitydConfiguration) throws {
        try writeAtomically(TOMLWriter.write(configuration.configTable), to: prevStatePath)
    }

    // MARK: Provisioning fingerprint

    public func readFingerprint() -> String? {
        guard let data = FileManager.default.contents(atPath: fingerprintPath) else { return nil }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    public func writeFingerprint(_ fingerprint: String) throws {
        try writeAtomically(fingerprint + "\n", to: fingerprintPath)
    }

    // MARK: Files

    private func writeAtomically(_ text: String, to path: String) throws {
        let temporary = path + ".tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw StateError("cannot write \(temporary): \(String(cString: strerror(errno)))")
        }
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(atPath: temporary)
            throw StateError("cannot replace \(path): \(reason)")
        }
    }

    private func remove(_ path: String, what: String) {
        guard FileManager.default.fileExists(atPath: path) else { return }
        do {
            try FileManager.default.removeItem(atPath: path)
        } catch {
            logger.warning("Failed to clear \(what) at \(path): \(error)")
        }
    }
}

/// A state-file failure (internal: answered with `internal error`).
struct StateError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
