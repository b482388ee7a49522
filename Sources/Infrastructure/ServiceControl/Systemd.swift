import Foundation

/// The `systemctl`/`journalctl` operations the `system …` commands of `aziotctl` and `iotedge` perform on a tool's
/// services. The first unit's service is the one `restart` starts last and eagerly (the others are socket-activated);
/// `stop` stops the services in list order (so a tool puts the service that depends on the others first).
public struct Systemd: Sendable {
    /// The command-line tool's name, for messages (`aziotctl`, `iotedge`).
    public let tool: String
    public let units: [ServiceUnit]
    /// How to run the daemons without systemd, for ``absentMessage``.
    public let manualStart: String
    /// The directory that exists when systemd is the init system (`sd_booted()`'s test): `/run/systemd/system`, unless
    /// one of the marker variables (by default `AZIOTCTL_SYSTEMD_MARKER`) names another.
    public let marker: String
    /// Where `systemctl` and `journalctl` are looked for: `AZIOTCTL_SYSTEMD_BIN_DIR` first when set (tests put
    /// stand-ins there), then the standard directories.
    public let directories: [String]

    public init(
        tool: String, units: [ServiceUnit], manualStart: String, environment: [String: String], markerVariables: [String] = ["AZIOTCTL_SYSTEMD_MARKER"]
    ) {
        self.tool = tool
        self.units = units
        self.manualStart = manualStart
        marker = markerVariables.lazy.compactMap { environment[$0] }.first ?? "/run/systemd/system"
        directories = (environment["AZIOTCTL_SYSTEMD_BIN_DIR"].map { [$0] } ?? []) + HostCommand.standardDirectories
    }

    public var isRunning: Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: marker, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    /// What to tell the user when systemd is absent: why nothing was (re)started and how to run the daemons.
    public var absentMessage: String {
        """
        systemd is not running on this machine (\(marker) does not exist), so the aziot services cannot be managed \
        with systemctl.
        \(manualStart)
        """
    }

    /// Throws the ``absentMessage`` for `command` (e.g. `system status`) when systemd is not running.
    public func require(_ command: String) throws(ServiceControlError) {
        guard isRunning else { throw ServiceControlError("`\(tool) \(command)` needs systemd.\n" + absentMessage) }
    }

    /// `systemctl stop` every service, `systemctl start` every socket, then start the first service. Like the
    /// reference, a unit that fails does not stop the others; unlike it, the failure is an error at the end.
    public func restart() throws(ServiceControlError) {
        var failed = stopAll()
        for socket in units.flatMap(\.sockets) where !(try start(socket)) { failed.append(socket) }
        if let first = units.first, !(try start(first.service)) { failed.append(first.service) }
        try check(failed)
    }

    /// `systemctl stop` every service (sockets stay active).
    public func stop() throws(ServiceControlError) {
        try check(stopAll())
    }

    /// `systemctl restart` of one service (e.g. after a reprovision).
    public func restart(service: String) throws(ServiceControlError) {
        print("Restarting \(service)...", terminator: "")
        guard report(try HostCommand.run("systemctl", ["restart", service], searching: directories), success: "Restarted!") else {
            throw ServiceControlError("systemctl failed for \(service)")
        }
    }

    private func stopAll() -> [String] {
        var failed: [String] = []
        for unit in units {
            print("Stopping \(unit.service)...", terminator: "")
            do {
                if !report(try HostCommand.run("systemctl", ["stop", unit.service], searching: directories), success: "Stopped!") { failed.append(unit.service) }
            } catch {
                print()
                HostCommand.printError(error.message)
                failed.append(unit.service)
            }
        }
        return failed
    }

    private func start(_ name: String) throws(ServiceControlError) -> Bool {
        print("Starting \(name)...", terminator: "")
        return report(try HostCommand.run("systemctl", ["start", name], searching: directories), success: "Started!")
    }

    private func check(_ failed: [String]) throws(ServiceControlError) {
        guard failed.isEmpty else { throw ServiceControlError("systemctl failed for \(failed.joined(separator: ", "))") }
    }

    private func report(_ result: HostCommand.Result, success: String) -> Bool {
        if result.status == 0 {
            print(success)
            return true
        }
        print()
        HostCommand.printError("systemctl exited with status \(result.status):\n\(result.output)")
        return false
    }

    /// The state of one unit as `systemctl is-active` reports it.
    public enum State: Sendable, Equatable {
        case active
        case inactive
        case failed(String)

        /// How status reports show it.
        public func display(socket: Bool) -> String {
            switch self {
            case .active: "Running"
            case .inactive: socket ? "Down - inactive" : "Ready"
            case .failed(let message): "Down - \(message)"
            }
        }
    }

    public func state(of unit: String) throws(ServiceControlError) -> State {
        let result = try HostCommand.run("systemctl", ["is-active", unit], searching: directories)
        let text = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        switch text {
        case "active": return .active
        case "inactive": return .inactive
        default:
            let reason = [text, result.stderr.trimmingCharacters(in: .whitespacesAndNewlines)].filter { !$0.isEmpty }
            return .failed(reason.joined(separator: " "))
        }
    }

    /// `system status`: a "System services:" table; for each failed service (or one whose socket is down) the
    /// reason and its last 10 journal lines; then hints to `system logs` and `check`.
    public func printStatus() throws(ServiceControlError) {
        var bad: [(unit: ServiceUnit, state: State, sockets: [(String, State)])] = []
        print("System services:")
        for unit in units {
            var state = try self.state(of: unit.service)
            var sockets: [(String, State)] = []
            for socket in unit.sockets { sockets.append((socket, try self.state(of: socket))) }
            if case .active = state, sockets.contains(where: { $0.1 != .active }) {
                state = .failed("socket error")
            }
            let name = unit.shortName
            print("    " + name.padding(toLength: max(24, name.count), withPad: " ", startingAt: 0) + state.display(socket: false))
            if case .failed = state { bad.append((unit, state, sockets)) }
        }
        print()
        for (unit, state, sockets) in bad {
            print("\(unit.shortName) is in a bad state because:")
            print("\(unit.service): \(state.display(socket: false)): Printing the last 10 log lines.")
            try HostCommand.runAttached("journalctl", ["-u", unit.service, "--no-pager", "-e", "-n", "10"], searching: directories)
            print()
            for (socket, socketState) in sockets where socketState != .active {
                print("\(socket): \(socketState.display(socket: true)): Printing the last 10 log lines.")
                try HostCommand.runAttached("journalctl", ["-u", socket, "--no-pager", "-e", "-n", "10"], searching: directories)
                print()
            }
        }
        print("Use '\(tool) system logs' to check for non-fatal errors.")
        print("Use '\(tool) check' to diagnose connectivity and configuration issues.")
    }

    /// `system logs`: journalctl on every service, with `arguments` (default `-e --no-pager`).
    public func logs(_ arguments: [String]) throws(ServiceControlError) {
        let selection = units.flatMap { ["-u", $0.service] }
        let status = try HostCommand.runAttached("journalctl", selection + (arguments.isEmpty ? ["-e", "--no-pager"] : arguments), searching: directories)
        guard status == 0 else { throw ServiceControlError("journalctl exited with status \(status)") }
    }

    /// The levels `set-log-level` takes.
    public static let logLevels = ["error", "warn", "info", "debug", "trace"]

    /// `system set-log-level`: `/etc/systemd/system/<service>.d/log-level.conf` with `Environment=AZIOT_LOG=<LEVEL>`
    /// for every service, then `systemctl daemon-reload`.
    public func setLogLevel(_ level: String) throws(ServiceControlError) {
        let name = level.uppercased()
        for unit in units {
            let directory = "/etc/systemd/system/\(unit.service).d"
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
                let path = directory + "/log-level.conf"
                try? FileManager.default.removeItem(atPath: path)
                guard FileManager.default.createFile(atPath: path, contents: Data("[Service]\nEnvironment=AZIOT_LOG=\(name)".utf8), attributes: [.posixPermissions: 0o644]) else {
                    throw ServiceControlError("could not create \(path); run this command as root")
                }
            } catch let error as ServiceControlError {
                throw error
            } catch {
                throw ServiceControlError("could not create the directory \(directory): \(error); run this command as root")
            }
        }
        let reload = try HostCommand.run("systemctl", ["daemon-reload"], searching: directories)
        guard reload.status == 0 else { throw ServiceControlError("systemctl daemon-reload exited with status \(reload.status):\n\(reload.output)") }
        print("Set log level to \(name) for all services. Run the `\(tool) system restart` command for the changes to take effect.")
    }
}
