import ArgumentParser
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
        let sections = CheckCatalog.sections()
        switch output {
        case .json:
            // The reference's `{section: [{id, description}]}`, sections in name order.
            let sorted = sections.sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
            let document = JSONObject(sorted.map { section in
                (section.name, JSONValue.array(section.checks.map { .object(["id": .string($0.id), "description": .string($0.description)]) }))
            })
            print(JSONValue.object(document).jsonString)
        case .text:
            let sectionWidth = (sections.map(\.name.count).max() ?? 0) + 1
            let idWidth = (sections.flatMap { $0.checks.map(\.id.count) }.max() ?? 0) + 1
            func pad(_ text: String, _ width: Int) -> String { text + String(repeating: " ", count: max(0, width - text.count)) }
            print(pad("CATEGORY", sectionWidth) + pad("ID", idWidth) + "DESCRIPTION")
            print()
            for section in sections {
                for check in section.checks { print(pad(section.name, sectionWidth) + pad(check.id, idWidth) + check.description) }
                print()
            }
        }
    }
}
