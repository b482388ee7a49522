import ArgumentParser
import EdgeDaemon
import Foundation
import ServiceControl

/// `iotedge system …`: the host services (aziot-edged and the identity service) through systemd, as `aziotctl
/// system …` does for the identity service alone. aziot-edged is stopped first and started last.
struct SystemCommand: AsyncParsableCommand, SystemServicesTool {
    static let configuration = CommandConfiguration(
        commandName: "system",
        abstract: "Manage the system services",
        subcommands: [
            Shared.Logs.self,
            Shared.Restart.self,
            Shared.Stop.self,
            Shared.Status.self,
            Shared.SetLogLevel.self,
            Reprovision.self,
        ]
    )

    typealias Shared = SystemSubcommands<SystemCommand>

    static let servicesName = "IoT Edge system services"

    static var systemd: Systemd { .iotedge(environment: ProcessInfo.processInfo.environment) }
}

extension SystemCommand {
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
