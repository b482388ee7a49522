import EdgeConfigTool
import ArgumentParser
import Foundation
import NIOCore
import NIOHTTP1
import UnixSocketHTTP

struct SystemCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "system",
        abstract: "Use system helper commands",
        subcommands: [Restart.self, Stop.self, Status.self, Logs.self, SetLogLevel.self, Reprovision.self]
    )
}

extension SystemCommand {
    struct Restart: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Restart the services")

        func run() async throws {
            let systemd = Systemd(environment: ProcessInfo.processInfo.environment)
            try systemd.require("system restart")
            try systemd.restart()
        }
    }

    struct Stop: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop the services")

        func run() async throws {
            let systemd = Systemd(environment: ProcessInfo.processInfo.environment)
            try systemd.require("system stop")
            try systemd.stop()
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Report the status of system")

        func run() async throws {
            let systemd = Systemd(environment: ProcessInfo.processInfo.environment)
            try systemd.require("system status")
            var bad: [(unit: Systemd.Unit, state: Systemd.State, sockets: [(String, Systemd.State)])] = []
            print("System services:")
            for unit in Systemd.identityServiceUnits {
                var state = try systemd.state(of: unit.service)
                var sockets: [(String, Systemd.State)] = []
                for socket in unit.sockets { sockets.append((socket, try systemd.state(of: socket))) }
                if case .active = state, sockets.contains(where: { if case .active = $0.1 { false } else { true } }) {
                    state = .failed("socket error")
                }
                let name = Self.shortName(unit.service)
                print("    " + name.padding(toLength: max(24, name.count), withPad: " ", startingAt: 0) + Self.display(state, socket: false))
                if case .failed = state { bad.append((unit, state, sockets)) }
            }
            print()
            for (unit, state, sockets) in bad {
                print("\(Self.shortName(unit.service)) is in a bad state because:")
                print("\(unit.service): \(Self.display(state, socket: false)): Printing the last 10 log lines.")
                try Systemd.runAttached("journalctl", ["-u", unit.service, "--no-pager", "-e", "-n", "10"])
                print()
                for (socket, socketState) in sockets {
                    if case .active = socketState { continue }
                    print("\(socket): \(Self.display(socketState, socket: true)): Printing the last 10 log lines.")
                    try Systemd.runAttached("journalctl", ["-u", socket, "--no-pager", "-e", "-n", "10"])
                    print()
                }
            }
            print("Use 'aziotctl system logs' to check for non-fatal errors.")
            print("Use 'aziotctl check' to diagnose connectivity and configuration issues.")
        }

        static func shortName(_ service: String) -> String {
            service.hasSuffix(".service") ? String(service.dropLast(".service".count)) : service
        }

        static func display(_ state: Systemd.State, socket: Bool) -> String {
            switch state {
            case .active: "Running"
            case .inactive: socket ? "Down - inactive" : "Ready"
            case .failed(let message): "Down - \(message)"
            }
        }
    }

    struct Logs: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Get logs for the services")

        @Argument(parsing: .postTerminator, help: "Extra arguments for journalctl (default: -e --no-pager)")
        var arguments: [String] = []

        func run() async throws {
            let systemd = Systemd(environment: ProcessInfo.processInfo.environment)
            try systemd.require("system logs")
            let units = Systemd.identityServiceUnits.flatMap { ["-u", $0.service] }
            let status = try Systemd.runAttached("journalctl", units + (arguments.isEmpty ? ["-e", "--no-pager"] : arguments))
            guard status == 0 else { throw CLIError("journalctl exited with status \(status)") }
        }
    }

    struct SetLogLevel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "set-log-level", abstract: "Set the log level of the services")

        enum Level: String, ExpressibleByArgument, CaseIterable {
            case error, warn, info, debug, trace
        }

        @Argument(help: "The log level: error, warn, info, debug or trace")
        var level: Level

        func run() async throws {
            let systemd = Systemd(environment: ProcessInfo.processInfo.environment)
            try systemd.require("system set-log-level")
            let name = level.rawValue.uppercased()
            for unit in Systemd.identityServiceUnits {
                let directory = "/etc/systemd/system/\(unit.service).d"
                try HostFiles.makeDirectory(directory, mode: 0o755, owner: nil)
                try HostFiles.write(directory + "/log-level.conf", Array("[Service]\nEnvironment=AZIOT_LOG=\(name)".utf8), mode: 0o644, owner: nil)
            }
            let reload = try Systemd.run("systemctl", ["daemon-reload"])
            guard reload.status == 0 else { throw CLIError("systemctl daemon-reload exited with status \(reload.status):\n\(reload.output)") }
            print("Set log level to \(name) for all services. Run the `aziotctl system restart` command for the changes to take effect.")
        }
    }

    struct Reprovision: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Reprovision device with IoT Hub",
            discussion: "Talks to identityd on /run/aziot/identityd.sock, or on the socket AZIOT_IDENTITYD_SOCKET names."
        )

        func run() async throws {
            let socket = ProcessInfo.processInfo.environment["AZIOT_IDENTITYD_SOCKET"] ?? "/run/aziot/identityd.sock"
            let client = UnixSocketHTTPClient(socketPath: socket, host: "identityd.sock")
            let response: UnixSocketHTTPClient.Response
            do {
                response = try await client.request(
                    .POST, "/identities/device/reprovision?api-version=2021-12-01", body: ByteBuffer(string: #"{"type":"aziot"}"#))
            } catch {
                throw CLIError("Failed to reprovision: \(error)")
            }
            guard (200..<300).contains(response.status.code) else {
                throw CLIError("Failed to reprovision: \(response.status.code) \(Self.message(in: response.bodyText))")
            }
            print("Successfully reprovisioned with IoT Hub.")
        }

        /// The `message` of an error body, else the body itself.
        static func message(in body: String) -> String {
            struct ErrorBody: Decodable { var message: String }
            if let decoded = try? JSONDecoder().decode(ErrorBody.self, from: Data(body.utf8)) { return decoded.message }
            return body
        }
    }
}
