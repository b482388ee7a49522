import CheckReport
import DockerClient
import EdgeDaemon
import Foundation
import IoTHubProtocol

/// The built-in "Configuration checks" about the container engine and the module containers (§6.7, 8-15), none of
/// which runs a diagnostics image.
enum ContainerEngineChecks {
    // MARK: container-local-time

    /// The engine's clock (`GET /info` `SystemTime`) against the host's, allowing for the request's own duration.
    static func localTime(_ context: inout EdgeCheckContext) async -> CheckOutcome {
        guard let docker = context.docker else { return .skipped }
        let before = Date()
        let info: DockerSystemInfo
        do {
            info = try await docker.info()
        } catch {
            return .error("Could not read the container engine's clock (GET /info). Make sure the engine is running.", causes: [String(describing: error)])
        }
        let after = Date()
        guard let text = info.raw["SystemTime"]?.stringValue, let engineTime = DockerTime.parseRFC3339(text) else {
            return .error(
                "The container engine's GET /info has no SystemTime, so its clock cannot be compared with the host's. Use a Docker-compatible "
                    + "engine (moby-engine or Docker), or skip this check with --dont-run container-local-time.")
        }
        let hostTime = before.addingTimeInterval(after.timeIntervalSince(before) / 2)
        let drift = abs(engineTime.timeIntervalSince(hostTime))
        let details: JSONObject = [
            "engine_time": .string(RFC3339.format(engineTime)), "host_time": .string(RFC3339.format(hostTime)),
            "offset_seconds": .double((drift * 1000).rounded() / 1000),
        ]
        guard drift < 10 else {
            return .error(
                "The container engine's clock (\(RFC3339.format(engineTime))) is \(Int(drift)) s away from the host's "
                    + "(\(RFC3339.format(hostTime))), so containers see a different time than the host. Sync the clock of the machine "
                    + "or VM the engine runs on (e.g. enable NTP with 'timedatectl set-ntp true').", info: details)
        }
        return .ok(note: nil, info: details)
    }

    // MARK: daemon.json

    /// The engine's `daemon.json`: nil when the file does not exist; an error outcome when it cannot be read or parsed.
    static func daemonConfig(_ context: EdgeCheckContext) -> Result<JSONObject?, CheckOutcomeError> {
        let path = context.options.containerEngineConfigFile
        guard FileManager.default.fileExists(atPath: path) else { return .success(nil) }
        guard let data = FileManager.default.contents(atPath: path) else {
            return .failure(CheckOutcomeError(.error(
                "Could not read the container engine's configuration \(path). Run this command as root, or name another file with "
                    + "--container-engine-config-file.")))
        }
        do {
            guard let object = try JSONValue(parsing: Array(data)).objectValue else {
                return .failure(CheckOutcomeError(.error("The container engine's configuration \(path) is not a JSON object. Fix the file and restart the engine.")))
            }
            return .success(object)
        } catch {
            return .failure(CheckOutcomeError(.error(
                "The container engine's configuration \(path) is not valid JSON. Fix the file and restart the engine.", causes: [String(describing: error)])))
        }
    }

    struct CheckOutcomeError: Error {
        var outcome: CheckOutcome
        init(_ outcome: CheckOutcome) { self.outcome = outcome }
    }

    // MARK: container-engine-dns

    static func dns(_ context: inout EdgeCheckContext) async -> CheckOutcome {
        let config: JSONObject?
        switch daemonConfig(context) {
        case .success(let value): config = value
        case .failure(let failure): return failure.outcome
        }
        let servers = config?["dns"]?.arrayValue?.compactMap(\.stringValue) ?? []
        guard !servers.isEmpty else {
            return .warning(
                "Container engine is not configured with DNS server setting, which may impact connectivity to IoT Hub. "
                    + "Add \"dns\": [\"<server>\", ...] to \(context.options.containerEngineConfigFile) and restart the engine. "
                    + "Please see https://aka.ms/iotedge-prod-checklist-dns for best practices.")
        }
        return .ok(note: nil, info: ["dns": .array(servers.map { .string($0) })])
    }

    // MARK: container-engine-ipv6

    static func ipv6(_ context: inout EdgeCheckContext) async -> CheckOutcome {
        guard let settings = context.settings else { return .skipped }
        guard settings.moby.network.ipv6 == true else { return .ok }
        let config: JSONObject?
        switch daemonConfig(context) {
        case .success(let value): config = value
        case .failure(let failure): return failure.outcome
        }
        guard config?["ipv6"]?.boolValue == true else {
            return .error(
                "The IoT Edge network \(settings.moby.network.name) is configured for IPv6, but the container engine is not. "
                    + "Set \"ipv6\": true (and \"fixed-cidr-v6\") in \(context.options.containerEngineConfigFile) and restart the engine, "
                    + "or turn IPv6 off for the network in /etc/aziot/config.toml.")
        }
        return .ok
    }

    // MARK: container-engine-logrotate

    static func logRotation(_ context: inout EdgeCheckContext) async -> CheckOutcome {
        let path = context.options.containerEngineConfigFile
        let config: JSONObject?
        switch daemonConfig(context) {
        case .success(let value): config = value
        case .failure(let failure): return failure.outcome
        }
        let fix = "Please see https://aka.ms/iotedge-prod-checklist-logs for best practices. You can ignore this warning if you are "
            + "setting log policy per module in the Edge deployment."
        guard let config else {
            return .warning(
                "Container engine is not configured to rotate module logs which may cause it run out of disk space: \(path) does not exist. "
                    + "Create it with \"log-driver\": \"local\" or \"json-file\" and \"log-opts\": {\"max-size\": \"10m\", \"max-file\": \"3\"}, "
                    + "then restart the engine. " + fix)
        }
        let driver = config["log-driver"]?.stringValue ?? "json-file"
        if driver == "journald" { return .ok(note: nil, info: ["log_driver": .string(driver)]) }
        let options = config["log-opts"]?.objectValue
        var missing: [String] = []
        if options?["max-file"] == nil { missing.append("max-file") }
        if options?["max-size"] == nil { missing.append("max-size") }
        guard missing.isEmpty else {
            return .warning(
                "Container engine is not configured to rotate module logs which may cause it run out of disk space: \"log-opts\" in \(path) "
                    + "lacks \(missing.map { "\"\($0)\"" }.joined(separator: " and ")). Add them (e.g. \"max-size\": \"10m\", \"max-file\": \"3\") "
                    + "and restart the engine. " + fix, info: ["log_driver": .string(driver)])
        }
        return .ok(note: nil, info: ["log_driver": .string(driver)])
    }

    // MARK: edge-agent-storage-mounted-from-host, edge-hub-storage-mounted-from-host

    static func storageMounted(agent: Bool) -> @Sendable (inout EdgeCheckContext) async -> CheckOutcome {
        { context in
            guard let settings = context.settings, let docker = context.docker else { return .skipped }
            let module = agent ? "edgeAgent" : "edgeHub"
            let container = agent ? settings.agent.name : "edgeHub"
            let inspect: ContainerInspect
            do {
                inspect = try await docker.inspectContainer(container)
            } catch let error as DockerError where error.code == .notFound {
                return .ignored("There is no \(container) container on this device yet.")
            } catch {
                return .error(
                    "Could not inspect the \(container) container. Make sure the container engine is running (systemctl status docker).",
                    causes: [String(describing: error)])
            }
            var folder = "/tmp"
            for entry in inspect.config.env {
                let parts = entry.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                if parts.count == 2, parts[0].lowercased() == "storagefolder" { folder = String(parts[1]) }
            }
            let path = (folder.hasSuffix("/") ? String(folder.dropLast()) : folder) + "/" + module
            let mounts = inspect.raw["Mounts"]?.arrayValue?.compactMap { $0["Destination"]?.stringValue } ?? []
            let info: JSONObject = ["storage_directory": .string(path), "mounts": .array(mounts.map { .string($0) })]
            let mounted = mounts.contains { destination in
                let base = destination.hasSuffix("/") ? String(destination.dropLast()) : destination
                return path == base || path.hasPrefix(base + "/") || base.isEmpty
            }
            guard mounted else {
                return .warning(
                    "The \(module) module is not configured to persist its \(path) directory in a host directory. Data might be lost if the "
                        + "module is deleted or updated. Bind a host directory into the container (createOptions HostConfig.Binds) and point "
                        + "its StorageFolder environment variable (now \(folder)) at it. Please see https://aka.ms/iotedge-storage-host for best practices.",
                    info: info)
            }
            return .ok(note: nil, info: info)
        }
    }

    // MARK: check-agent-image

    /// Inspects the agent's image first and pulls it only when it is not present locally.
    static func agentImage(_ context: inout EdgeCheckContext) async -> CheckOutcome {
        guard let settings = context.settings, let docker = context.docker else { return .skipped }
        var image = settings.agent.config.image
        if image.contains("$upstream") {
            guard let parent = context.localGatewayHostname else {
                return .error(
                    "The agent image \(image) names $upstream, but this device has no parent_hostname. Set parent_hostname in /etc/aziot/config.toml "
                        + "or name the image's registry, then run 'sudo iotedge config apply'.")
            }
            image = image.replacingOccurrences(of: "$upstream", with: parent)
        }
        do {
            _ = try await docker.inspectImage(image)
            return .ok(note: "\(image) is present locally; it was not pulled.", info: ["image": .string(image), "action": "present locally; not pulled"])
        } catch let error as DockerError where error.code == .notFound {
            // Not present: pull it, as the reference does.
        } catch {
            return .error(
                "Could not inspect the agent image \(image) in the container engine. Make sure the engine is running (systemctl status docker) "
                    + "and the image name in [agent.config] is valid.", causes: [String(describing: error)])
        }
        do {
            _ = try await docker.pullImageToCompletion(image, auth: settings.agent.config.registryAuth)
            return .ok(note: "\(image) was not present locally and was pulled.", info: ["image": .string(image), "action": "pulled"])
        } catch {
            return .error(
                "The agent image \(image) is not present locally and could not be pulled. Check the image name and [agent.config.auth] "
                    + "(serveraddress, username, password) in /etc/aziot/config.toml, and that the host can reach the registry (proxy, firewall).",
                causes: [String(describing: error)], info: ["image": .string(image), "action": "pull failed"])
        }
    }

    // MARK: proxy-settings

    static func proxySettings(_ context: inout EdgeCheckContext) async -> CheckOutcome {
        guard context.settings != nil else { return .skipped }
        let agentProxy = context.agentEnvironment("https_proxy")
        let marker = context.environment["AZIOTCTL_SYSTEMD_MARKER"] ?? "/run/systemd/system"
        guard FileManager.default.fileExists(atPath: marker), let systemctl = CommandRunner.find("systemctl", environment: context.environment) else {
            return .ignored(
                "systemd does not run this machine, so the https_proxy of the docker, aziot-edged and aziot-identityd services cannot be read"
                    + (agentProxy.map { " (the agent's is \($0))" } ?? "") + ".")
        }
        var values: [(String, String?)] = [("IoT Edge Agent", agentProxy)]
        for (label, unit) in [("Moby", "docker"), ("IoT Edge Daemon", "aziot-edged"), ("IoT Identity Daemon", "aziot-identityd")] {
            let result = try? await CommandRunner.run(systemctl, ["show", "--property=Environment", unit], timeout: .seconds(20))
            values.append((label, result.flatMap { httpsProxy(inSystemdEnvironment: $0.stdout) }))
        }
        let info = JSONObject(values.map { ($0.0, $0.1.map(JSONValue.string) ?? .null) })
        guard Set(values.map { $0.1 ?? "" }).count == 1 else {
            let listing = values.map { "\($0.0): \($0.1 ?? "(not set)")" }.joined(separator: ", ")
            return .warning(
                "The https_proxy settings differ (\(listing)); they may need to be identical. Set the same proxy in the agent's env in "
                    + "/etc/aziot/config.toml and in the services' systemd drop-ins (systemctl edit <service>), then restart them.", info: info)
        }
        return CheckOutcome(.ok, info: info)
    }

    /// `https_proxy` (either case) in `systemctl show --property=Environment` output.
    static func httpsProxy(inSystemdEnvironment text: String) -> String? {
        for line in text.split(separator: "\n") where line.hasPrefix("Environment=") {
            for assignment in line.dropFirst("Environment=".count).split(separator: " ") {
                let parts = assignment.split(separator: "=", maxSplits: 1)
                if parts.count == 2, parts[0].lowercased() == "https_proxy" { return String(parts[1]) }
            }
        }
        return nil
    }
}
