import ArgumentParser
import EdgeDaemon
import Foundation

/// `iotedge restart <MODULE>`: stop (a failure is only a warning), then start — so that edged recreates the module's
/// workload socket listener, which a plain Docker restart would not.
struct RestartCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "restart", abstract: "Restart a module")

    @ParentCommand var root: IotedgeCommand

    @Argument(help: "The module")
    var module: String

    func run() async throws {
        let connection = try ManagementConnection(host: root.host)
        do {
            try await connection.perform("Could not stop \(module)") { try await $0.stopModule(module) }
        } catch {
            FileHandle.standardError.write(Data("warn: \(module) was not stopped gracefully: \(error.causes.joined(separator: ": "))\n".utf8))
        }
        try await connection.perform("Could not restart \(module)") { try await $0.startModule(module) }
        print("Restarted \(module)")
    }
}
