import ArgumentParser
import EdgeDaemon
import Foundation
import ServiceControl

/// `iotedge system …`: the host services (aziot-edged and the identity service) through systemd, as `aziotctl
/// system …` does for the identity service alone. aziot-edged is stopped first and started last.
struct SystemCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "system",
        abstract: "Manage the system services",
        subcommands: [Logs.self, Restart.self, Stop.self, Status.self, SetLogLevel.self, Reprovision.self]
    )

    static var systemd: Systemd { .iotedge(environment: ProcessInfo.processInfo.environment) }
}

extension SystemCommand {
    struct Logs: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Provide a combined view of logs for IoT Edge system services")

        @Argument(parsing: .postTerminator, help: "Extra arguments for journalctl (default: -e --no-pager)")
        var arguments: [String] = []

        func run() async throws {
            let systemd = SystemCommand.systemd
            try systemd.require("system logs")
            try systemd.logs(arguments)
        }
    }

    struct Restart: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Restart IoT Edge system services")

        func run() async throws {
            let systemd = SystemCommand.systemd
            try systemd.require("system restart")
            try systemd.restart()
        }
    }

    struct Stop: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop IoT Edge system services")

        func run() async throws {
            let systemd = SystemCommand.systemd
            try systemd.require("system stop")
            try systemd.stop()
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Report the status of IoT Edge system services")

        func run() async throws {
            let systemd = SystemCommand.systemd
            try systemd.require("system status")
            try systemd.printStatus()
        }
    }

    struct SetLogLevel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "set-log-level", abstract: "Set the log level of IoT Edge system services")

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
            discussion: "Talks to identityd on /run/aziot/identityd.sock (or AZIOT_IDENTITYD_SOCKET), then restarts aziot-edged."
        )

        func run() async throws {
            let environment = ProcessInfo.processInfo.environment
            try await IdentitydReprovision.reprovision(socket: IdentitydReprovision.socket(environment: environment), apiVersion: "2020-09-01")
            print("Successfully reprovisioned with IoT Hub.")
            let systemd = SystemCommand.systemd
            guard systemd.isRunning else {
                throw ServiceControlError(
                    "aziot-edged was not restarted: `iotedge system reprovision` needs systemd for that.\n" + systemd.absentMessage)
            }
            try systemd.restart(service: ServiceUnit.edged.service)
        }
    }
}
