import ArgumentParser
import DockerClient
import EdgeDaemon
import Foundation

/// `iotedge list`: the modules, sorted by name, in tab-aligned columns.
struct ListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List modules")

    @ParentCommand var root: IotedgeCommand

    func run() async throws {
        let connection = try ManagementConnection(host: root.host)
        let modules = try await connection.perform("Could not list modules") { try await $0.modules() }
        print(ModuleTable.render(modules, now: Date()), terminator: "")
    }
}
