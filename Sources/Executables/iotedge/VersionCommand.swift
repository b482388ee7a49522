import ArgumentParser

/// `iotedge version`: `iotedge <version>`.
struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "version", abstract: "Show the version information")

    func run() throws {
        print("iotedge \(IotedgeCommand.version)")
    }
}
