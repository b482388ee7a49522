import ArgumentParser
import Foundation
import ServiceControl

struct SystemCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "system",
        abstract: "Use system helper commands",
        subcommands: [Restart.self, Stop.self, Status.self, Logs.self, SetLogLevel.self, Reprovision.self]
    )

    static var systemd: Systemd { Systemd.aziotctl(environment: ProcessInfo.processInfo.environment) }
}

extension SystemCommand {
    struct Restart: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Restart the services")

        func run() async throws {
            let systemd = SystemCommand.systemd
            try systemd.require("system restart")
            try systemd.restart()
        }
    }

    struct Stop: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop the services")

        func run() async throws {
            let systemd = SystemCommand.systemd
            try systemd.require("system stop")
            try systemd.stop()
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Report the status of system")

        func run() async throws {
            let systemd = SystemCommand.systemd
            try systemd.require("system status")
            try systemd.printStatus()
        }
    }

    struct Logs: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Get logs for the services")

        @Argument(parsing: .postTerminator, help: "Extra arguments for journalctl (default: -e --no-pager)")
        var arguments: [String] = []

        func run() async throws {
            let systemd = SystemCommand.systemd
            try systemd.require("system logs")
            try systemd.logs(arguments)
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
            let systemd = SystemCommand.systemd
            try systemd.require("system set-log-level")
            try systemd.setLogLevel(level.rawValue)
        }
    }

    struct Reprovision: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Reprovision device with IoT Hub",
            discussion: "Talks to identityd on /run/aziot/identityd.sock, or on the socket AZIOT_IDENTITYD_SOCKET names."
        )

        func run() async throws {
            let socket = IdentitydReprovision.socket(environment: ProcessInfo.processInfo.environment)
            try await IdentitydReprovision.reprovision(socket: socket, apiVersion: "2021-12-01")
            print("Successfully reprovisioned with IoT Hub.")
        }
    }
}
