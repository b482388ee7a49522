public import IoTHubProtocol

/// Builds Docker's `POST /containers/create` body for a module the way the reference does (§4.2), plus the
/// workload socket directory and the `IOTEDGE_*` defaults this edged adds when the spec lacks them:
///
/// - the body is `createOptions` as given (unknown fields kept), `Image` = the spec's image;
/// - `Env` = the spec's env overlaid with `createOptions.Env` (`K=V`, split on the first `=`; createOptions wins),
///   sorted by key; ``defaultEnv`` entries fill in keys neither names;
/// - `Labels` gain the owner and original-image labels (overwriting user values) and, when set, the instance label;
/// - without elevated permissions, `Privileged` and `CapAdd` go and `CHOWN`, `SETUID` are dropped unless added;
/// - the workload socket: a bind of the reference's form `<mnt>/<module>.sock:<connect path>` becomes a bind of the
///   module's socket *directory* onto the connect path's directory, and a module with no bind for the connect path
///   gets one. A directory bind lets edged re-create the socket (after its own restart) without restarting the
///   container: a bind of the socket file would keep pointing at the old, dead socket.
public struct ContainerCreateBody: Sendable {
    /// Where a module's workload socket lives on the host and in its container.
    public struct WorkloadMount: Sendable, Hashable {
        /// `<homedir>/mnt` on the host.
        public var hostMountDirectory: String
        /// The socket path inside containers (`/var/run/iotedge/workload.sock`).
        public var containerSocketPath: String

        public init(hostMountDirectory: String, containerSocketPath: String) {
            self.hostMountDirectory = hostMountDirectory
            self.containerSocketPath = containerSocketPath
        }

        /// The directory holding `module`'s socket on the host: `<mnt>/<module>`.
        public func hostDirectory(_ module: String) -> String { "\(hostMountDirectory)/\(module)" }
        /// `module`'s socket on the host: `<mnt>/<module>/workload.sock`.
        public func hostSocket(_ module: String) -> String { "\(hostDirectory(module))/\(socketName)" }
        /// The reference's per-module socket file, `<mnt>/<module>.sock` (what a bind made by edgeAgent names).
        public func referenceHostSocket(_ module: String) -> String { "\(hostMountDirectory)/\(module).sock" }
        /// The directory the socket appears in inside containers (`/var/run/iotedge`).
        public var containerDirectory: String { Self.directory(of: containerSocketPath) }
        public var socketName: String { String(containerSocketPath.split(separator: "/").last ?? "workload.sock") }

        static func directory(of path: String) -> String {
            guard let slash = path.lastIndex(of: "/") else { return "/" }
            let directory = String(path[..<slash])
            return directory.isEmpty ? "/" : directory
        }
    }

    public var allowElevatedDockerPermissions: Bool
    /// `net.swift-iotedge.edged-instance` value, when edged runs with an instance name.
    public var instanceLabel: String?
    public var workloadMount: WorkloadMount?
    /// Binds to drop (e.g. edgeAgent's management socket when edged serves it inside the agent's socket directory).
    public var droppedBindSources: Set<String>

    public init(
        allowElevatedDockerPermissions: Bool = true, instanceLabel: String? = nil, workloadMount: WorkloadMount? = nil,
        droppedBindSources: Set<String> = []
    ) {
        self.allowElevatedDockerPermissions = allowElevatedDockerPermissions
        self.instanceLabel = instanceLabel
        self.workloadMount = workloadMount
        self.droppedBindSources = droppedBindSources
    }

    /// What ``build(_:defaultEnv:)`` changed that the operator should hear about.
    public struct Result: Sendable {
        public var body: JSONObject
        public var warnings: [String]
    }

    public func build(_ spec: ModuleSpec, defaultEnv: [ModuleEnvVar] = []) -> Result {
        var warnings: [String] = []
        var body = spec.config.createOptions ?? JSONObject()
        body["Image"] = .string(spec.config.image)
        body["Env"] = .array(Self.mergedEnv(spec.env, body["Env"], defaults: defaultEnv).map { .string($0) })

        var labels = body["Labels"]?.objectValue ?? JSONObject()
        labels[ModuleLabels.owner] = .string(ModuleLabels.ownerValue)
        labels[ModuleLabels.originalImage] = .string(spec.config.image)
        if let instanceLabel { labels[ModuleLabels.instance] = .string(instanceLabel) }
        body["Labels"] = .object(labels)

        var host = body["HostConfig"]?.objectValue ?? JSONObject()
        if !allowElevatedDockerPermissions {
            let added = (host["CapAdd"]?.arrayValue ?? []).compactMap(\.stringValue).map(Self.capabilityName)
            if host["Privileged"]?.boolValue == true || host["CapAdd"] != nil {
                warnings.append("module \(spec.name): Privileged and CapAdd removed (allow_elevated_docker_permissions is false)")
            }
            host["Privileged"] = false
            host.removeValue(forKey: "CapAdd")
            var drop = ["CHOWN", "SETUID"].filter { !added.contains($0) }
            for entry in (host["CapDrop"]?.arrayValue ?? []).compactMap(\.stringValue) where !drop.contains(Self.capabilityName(entry)) {
                drop.append(entry)
            }
            host["CapDrop"] = .array(drop.map { .string($0) })
        }
        if let mount = workloadMount {
            var binds = (host["Binds"]?.arrayValue ?? []).compactMap(\.stringValue)
            binds.removeAll { droppedBindSources.contains(Self.bindSource($0)) }
            let directoryBind = "\(mount.hostDirectory(spec.name)):\(mount.containerDirectory)"
            var covered = false
            binds = binds.map { bind in
                let parts = bind.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
                guard parts.count >= 2 else { return bind }
                if parts[1] == mount.containerSocketPath && parts[0] == mount.referenceHostSocket(spec.name) {
                    covered = true
                    return ([directoryBind] + parts.dropFirst(2)).joined(separator: ":")
                }
                if parts[1] == mount.containerSocketPath || parts[1] == mount.containerDirectory { covered = true }
                return bind
            }
            let mounts = (host["Mounts"]?.arrayValue ?? []).compactMap { $0["Target"]?.stringValue }
            if mounts.contains(mount.containerSocketPath) || mounts.contains(mount.containerDirectory) { covered = true }
            if !covered { binds.append(directoryBind) }
            if !binds.isEmpty || host["Binds"] != nil { host["Binds"] = .array(binds.map { .string($0) }) }
        }
        if !host.isEmpty || body["HostConfig"] != nil { body["HostConfig"] = .object(host) }
        return Result(body: body, warnings: warnings)
    }

    /// `K=V` entries sorted by key: `spec` overlaid with `createOptions.Env`, then `defaults` for missing keys.
    static func mergedEnv(_ spec: [ModuleEnvVar], _ createOptionsEnv: JSONValue?, defaults: [ModuleEnvVar]) -> [String] {
        var values: [String: String?] = [:]
        for variable in spec { values[variable.key] = .some(variable.value) }
        for entry in (createOptionsEnv?.arrayValue ?? []).compactMap(\.stringValue) {
            if let equals = entry.firstIndex(of: "=") {
                values[String(entry[..<equals])] = .some(String(entry[entry.index(after: equals)...]))
            } else {
                values[entry] = .some(nil)
            }
        }
        for variable in defaults where values[variable.key] == nil { values[variable.key] = .some(variable.value) }
        return values.keys.sorted().map { key in
            if let value = values[key] ?? nil { return "\(key)=\(value)" }
            return key
        }
    }

    /// `CAP_CHOWN` and `chown` → `CHOWN`.
    static func capabilityName(_ text: String) -> String {
        let upper = text.uppercased()
        return upper.hasPrefix("CAP_") ? String(upper.dropFirst(4)) : upper
    }

    static func bindSource(_ bind: String) -> String {
        String(bind.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
    }
}
