import Foundation

/// systemd units and the `systemctl`/`journalctl` calls `aziotctl` and `iotedge` make on them.
public struct Systemd: Sendable {
    /// A service and its socket units. The first service is the one `restart` starts eagerly; the others are
    /// socket-activated.
    public struct Unit: Sendable {
        public let service: String
        public let sockets: [String]
        public init(service: String, sockets: [String]) {
            self.service = service
            self.sockets = sockets
        }
    }

    /// The identity service's units (`aziotctl system …`).
    public static let identityServiceUnits = [
        Unit(service: "aziot-identityd.service", sockets: ["aziot-identityd.socket"]),
        Unit(service: "aziot-keyd.service", sockets: ["aziot-keyd.socket"]),
        Unit(service: "aziot-certd.service", sockets: ["aziot-certd.socket"]),
        Unit(service: "aziot-tpmd.service", sockets: ["aziot-tpmd.socket"]),
    ]

    /// IoT Edge's units (`iotedge system …`): aziot-edged first, then the identity service's.
    public static let edgeUnits =
        [Unit(service: "aziot-edged.service", sockets: ["aziot-edged.mgmt.socket", "aziot-edged.workload.socket"])] + identityServiceUnits

    /// The units this instance manages.
    public let units: [Unit]
    /// The tool named in messages (`aziotctl`, `iotedge`).
    public let tool: String
    /// The directory that exists when systemd is the init system (`sd_booted()`'s test).
    public let marker: String

    /// `markerVariable` names the environment variable that can replace `/run/systemd/system` (tests).
    public init(environment: [String: String], units: [Unit] = Systemd.identityServiceUnits, tool: String = "aziotctl", markerVariable: String = "AZIOTCTL_SYSTEMD_MARKER") {
        self.units = units
        self.tool = tool
        marker = environment[markerVariable] ?? "/run/systemd/system"
    }

    public var isRunning: Bool { HostFiles.isDirectory(marker) }

    /// What to tell the user when systemd is absent: why nothing was (re)started and how to run the daemons.
    public var absentMessage: String {
        let daemons = units.map { $0.service.replacingOccurrences(of: ".service", with: "") }
        let list = daemons.count > 1 ? daemons.dropLast().joined(separator: ", ") + " and " + daemons.last! : daemons.joined()
        return """
            systemd is not running on this machine (\(marker) does not exist), so the services cannot be managed \
            with systemctl.
            Run the daemons directly instead, as root: \(list) (the aziotd binary under each identity service \
            name), e.g.
                for d in \(daemons.joined(separator: " ")); do "$d" & done
            After a configuration change, restart the ones that are already running.
            """
    }

    /// Throws the ``absentMessage`` for `command` when systemd is not running.
    public func require(_ command: String) throws(ToolError) {
        guard isRunning else { throw ToolError("`\(tool) \(command)` needs systemd.\n" + absentMessage) }
    }

    /// `systemctl stop` every service, `systemctl start` every socket, then start the first service. Like the
    /// reference, a unit that fails does not stop the others; unlike it, the failure is an error at the end.
    public func restart() throws(ToolError) {
        var failed = stopAll()
        for socket in units.flatMap(\.sockets) where !(try start(socket)) { failed.append(socket) }
        if !(try start(units[0].service)) { failed.append(units[0].service) }
        try check(failed)
    }

    /// `systemctl stop` every service (sockets stay active).
    public func stop() throws(ToolError) {
        try check(stopAll())
    }

    private func stopAll() -> [String] {
        var failed: [String] = []
        for unit in units {
            print("Stopping \(unit.service)...", terminator: "")
            do {
                if !report(try Self.run("systemctl", ["stop", unit.service]), success: "Stopped!") { failed.append(unit.service) }
            } catch {
                print()
                Self.printError(error.message)
                failed.append(unit.service)
            }
        }
        return failed
    }

    private func start(_ name: String) throws(ToolError) -> Bool {
        print("Starting \(name)...", terminator: "")
        return report(try Self.run("systemctl", ["start", name]), success: "Started!")
    }

    private func check(_ failed: [String]) throws(ToolError) {
        guard failed.isEmpty else { throw ToolError("systemctl failed for \(failed.joined(separator: ", "))") }
    }

    private func report(_ result: CommandResult, success: String) -> Bool {
        if result.status == 0 {
            print(success)
            return true
        }
        print()
        Self.printError("systemctl exited with status \(result.status):\n\(result.output)")
        return false
    }

    /// The state of one unit as `systemctl is-active` reports it.
    public enum State: Sendable {
        case active
        case inactive
        case failed(String)
    }

    public func state(of unit: String) throws(ToolError) -> State {
        let result = try Self.run("systemctl", ["is-active", unit])
        let text = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        switch text {
        case "active": return .active
        case "inactive": return .inactive
        default: return .failed("\(text) \(result.stderr.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
    }

    public struct CommandResult: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
        public var output: String { [stdout, stderr].filter { !$0.isEmpty }.joined(separator: "\n") }
    }

    /// Runs a command from `/usr/bin` or `/bin` to completion, capturing its output.
    public static func run(_ command: String, _ arguments: [String]) throws(ToolError) -> CommandResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable(command))
        process.arguments = arguments
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw ToolError("could not run \(command): \(error)")
        }
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        let err = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return CommandResult(
            status: process.terminationStatus, stdout: String(decoding: out, as: UTF8.self), stderr: String(decoding: err, as: UTF8.self))
    }

    /// Runs a command with this process's standard output and error (for `journalctl`); returns its status.
    @discardableResult
    public static func runAttached(_ command: String, _ arguments: [String]) throws(ToolError) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable(command))
        process.arguments = arguments
        do {
            try process.run()
        } catch {
            throw ToolError("could not run \(command): \(error)")
        }
        process.waitUntilExit()
        return process.terminationStatus
    }

    public static func printError(_ message: String) {
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }

    private static func executable(_ command: String) -> String {
        for directory in ["/usr/bin", "/bin", "/usr/sbin", "/sbin"] where FileManager.default.isExecutableFile(atPath: "\(directory)/\(command)") {
            return "\(directory)/\(command)"
        }
        return "/usr/bin/\(command)"
    }
}
