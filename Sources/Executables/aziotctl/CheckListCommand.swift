import ArgumentParser
import CheckReport
import IoTHubProtocol

/// `aziotctl check-list`: the checks `check` runs, by section.
struct CheckListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "check-list", abstract: "List the checks that are run for 'aziotctl check'")

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, json
    }

    @Option(name: [.short, .customLong("output")], help: "Output format. One of \"text\" or \"json\".")
    var output: Format = .text

    func run() async throws {
        let sections = CheckCatalog.listing()
        switch output {
        case .json:
            print(CheckList.json(sections).jsonString)
        case .text:
            print(CheckList.text(sections), terminator: "")
        }
    }
}
