import Foundation

/// The identity service's systemd units and the `systemctl`/`journalctl` calls `aziotctl` makes on them.
struct Systemd {
    /// A service and its socket units. The first service is the one `restart` starts eagerly; the others are
    /// socket-activated.
    struct Unit {
        let service: String
        let sockets: [String]
    }

    static let units = [
        Unit(service: "aziot-identityd.service", sockets: ["aziot-identityd.socket"]),
        Unit(service: "aziot-keyd.service", sockets: ["aziot-keyd.socket"]),
        Unit(service: "aziot-certd.service", sockets: ["aziot-certd.socket"]),
        Unit(service: "aziot-tpmd.service", sockets: ["aziot-tpmd.socket"]),
    ]

    /// The directory that exists when systemd is the init system (`sd_booted()`'s test).
    let marker: String

    init(environment: [String: String]) {
        marker = environment["AZIOTCTL_SYSTEMD_MARKER"] ?? "/run/systemd/system"
    }

    var isRunning: Bool { HostFiles.isDirectory(marker) }

    /// What to tell the user when systemd is absent: why nothing was (re)started and how to run the daemons.
    var absentMessage: String {
        """
        systemd is not running on this machine (\(marker) does not exist), so the aziot services cannot be managed \
        with systemctl.
        Run the daemons directly instead, as root: aziot-keyd, aziot-certd, aziot-tpmd and aziot-identityd (the aziotd \
        binary under each of these names), e.g.
            for d in aziot-keyd aziot-certd aziot-tpmd aziot-identityd; do "$d" & done
        After a configuration change, restart the ones that are already running.
        """
    }

    /// Throws the ``absentMessage`` for `command` when systemd is not running.
    func require(_ command: String) throws(CLIError) {
        guard isRunning else { throw CLIError("`aziotctl \(command)` needs systemd.\n" + absentMessage) }
    }

    /// `systemctl stop` every service, `systemctl start` every socket, then start the first service. Like the
    /// reference, a unit that fails does not stop the others; unlike it, the failure is an error at the end.
    func restart() throws(CLIError) {
        var failed = stopAll()
        for socket in Self.units.flatMap(\.sockets) where !(try start(socket)) { failed.append(socket) }
        if !(try start(Self.units[0].service)) { failed.append(Self.units[0].service) }
        try check(failed)
    }

    /// `systemctl stop` every service (sockets stay active).
    func stop() throws(CLIError) {
        try check(stopAll())
    }

    private func stopAll() -> [String] {
        var failed: [String] = []
        for unit in Self.units {
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

    private func start(_ name: String) throws(CLIError) -> Bool {
        print("Starting \(name)...", terminator: "")
        return report(try Self.run("systemctl", ["start", name]), success: "Started!")
    }

    private func check(_ failed: [String]) throws(CLIError) {
        guard failed.isEmpty else { throw CLIError("systemctl failed for \(failed.joined(separator: ", "))") }
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
    enum State {
        case active
        case inactive
        case failed(String)
    }

    func state(of unit: String) throws(CLIError) -> State {
        let result = try Self.run("systemctl", ["is-active", unit])
        let text = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        switch text {
        case "active": return .active
        case "inactive": return .inactive
        default: return .failed("\(text) \(result.stderr.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
    }

    struct CommandResult {
        var status: Int32
        var stdout: String
        var stderr: String
        var output: String { [stdout, stderr].filter { !$0.isEmpty }.joined(separator: "\n") }
    }

    /// Runs a command from `/usr/bin` or `/bin` to completion, capturing its output.
    static func run(_ command: String, _ arguments: [String]) throws(CLIError) -> CommandResult {
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
            throw CLIError("could not run \(command): \(error)")
        }
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        let err = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return CommandResult(
            status: process.terminationStatus, stdout: String(decoding: out, as: UTF8.self), stderr: String(decoding: err, as: UTF8.self))
    }

    /// Runs a command with this process's standard output and error (for `journalctl`); returns its status.
    @discardableResult
    static func runAttached(_ command: String, _ arguments: [String]) throws(CLIError) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable(command))
        process.arguments = arguments
        do {
            try process.run()
        } catch {
            throw CLIError("could not run \(command): \(error)")
        }
        process.waitUntilExit()
        return process.terminationStatus
    }

    static func printError(_ message: String) {
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }

    private static func executable(_ command: String) -> String {
        for directory in ["/usr/bin", "/bin", "/usr/sbin", "/sbin"] where FileManager.default.isExecutableFile(atPath: "\(directory)/\(command)") {
            return "\(directory)/\(command)"
        }
        return "/usr/bin/\(command)"
    }
}
