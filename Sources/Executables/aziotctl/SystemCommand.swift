import ArgumentParser
import Foundation
import ServiceControl

struct SystemCommand: AsyncParsableCommand, SystemServicesTool {
    static let configuration = CommandConfiguration(
        commandName: "system",
        abstract: "Use system helper commands",
        subcommands: [
            Shared.Restart.self,
            Shared.Stop.self,
            Shared.Status.self,
            Shared.Logs.self,
            Shared.SetLogLevel.self,
            Reprovision.self,
        ]
    )

    typealias Shared = SystemSubcommands<SystemCommand>

    static let servicesName = "the services"

    static var systemd: Systemd { Systemd.aziotctl(environment: ProcessInfo.processInfo.environment) }
}

extension SystemCommand {
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
