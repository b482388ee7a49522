import AziotConfig
import DockerClient
import TOMLConfig

/// The check `iotedge config apply` makes before changing the device's host name: modules created under the old
/// name carry it (edgeHub's server certificate, `EdgeDeviceHostName`), so a change needs them removed first.
public enum HostnameGuard {
    /// What the previous identityd config says, if anything.
    public enum PreviousHostname: Equatable, Sendable {
        /// No previous `00-super.toml` (the first apply).
        case none
        /// A file that cannot be read or parsed, or has no host name.
        case unreadable
        case hostname(String)
    }

    /// The host name in identityd's previous `00-super.toml`.
    public static func previousHostname(path: String) -> PreviousHostname {
        guard HostFiles.exists(path) else { return .none }
        guard let bytes = try? HostFiles.read(path), let table = try? ConfigTable(toml: String(decoding: bytes, as: UTF8.self), source: path),
            case .string(let hostname) = table["hostname"]
        else { return .unreadable }
        return .hostname(hostname)
    }

    /// The message when the host name changes while modules exist.
    public static func changeRefusal(old: String, new: String) -> String {
        """
        Cannot apply config because the hostname in the config \(new) is different from the previous hostname \(old). \
        To update the hostname, run the following command which deletes all IoT Edge modules and reapplies the configuration. \
        Or, revert the hostname change in the config.toml file.
            sudo iotedge system stop && sudo docker rm -f $(sudo docker ps -aq -f "label=\(EdgeConfigApply.ownerLabel)") && sudo iotedge config apply
        Warning: Data stored in the modules is lost when above command is executed.
        """
    }

    /// Throws ``changeRefusal(old:new:)`` when `new` differs from `previous` and the engine at `mobyURI`
    /// (`unix://…`) has any container with edged's owner label; a Docker failure is an error too (the change
    /// cannot be judged safe).
    public static func check(previous: PreviousHostname, new: String, mobyURI: String) async throws(ToolError) {
        guard case .hostname(let old) = previous, old != new else { return }
        let containers: Int
        do {
            let socket = mobyURI.hasPrefix("unix://") ? String(mobyURI.dropFirst("unix://".count)) : mobyURI
            let client = DockerClient(configuration: DockerClientConfiguration(socketPath: socket, responseHeadTimeout: .seconds(30)))
            containers = try await client.listContainers(all: true, filters: ["label": [EdgeConfigApply.ownerLabel]]).count
        } catch {
            throw ToolError("the hostname changes from \(old) to \(new), but the IoT Edge modules could not be listed at \(mobyURI): \(error)")
        }
        if containers > 0 { throw ToolError(changeRefusal(old: old, new: new)) }
    }
}
