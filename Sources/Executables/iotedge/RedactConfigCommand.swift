import ArgumentParser
import Foundation

/// `iotedge redact-config <FILE>` (hidden): the file with its secrets removed, on standard output. The support bundle
/// runs it as a child process, so that a file which crashes the TOML parser (toml++ asserts on some malformed
/// input) costs that file, not the whole bundle.
struct RedactConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "redact-config", abstract: "Print a configuration file with its secrets removed", shouldDisplay: false)

    @Argument(help: "The TOML file")
    var file: String

    func run() throws {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw IotedgeError("Could not read \(file)", causes: ["run as root to include it"])
        }
        print(ConfigRedaction.redact(toml: String(decoding: data, as: UTF8.self), source: file), terminator: "")
    }
}
