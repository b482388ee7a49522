import ArgumentParser
import EdgeDaemon
import Foundation

/// `iotedge support-bundle`: a zip of what is needed to diagnose a device (see ``SupportBundleBuilder``).
struct SupportBundleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "support-bundle", abstract: "Bundles troubleshooting information")

    @ParentCommand var root: IotedgeCommand

    @Option(name: [.short, .customLong("output")], help: ArgumentHelp("Location to output file; \"-\" writes the zip to standard output", valueName: "FILENAME"))
    var output: String?

    @Option(help: ArgumentHelp(
        "Only logs since this time: a duration before now (\"1 day\", \"90m\"), an RFC 3339 timestamp or UNIX seconds",
        valueName: "DURATION or TIMESTAMP"))
    var since: String = "1 day"

    @Option(help: ArgumentHelp("Only logs until this time", valueName: "DURATION or TIMESTAMP"))
    var until: String?

    @Flag(name: [.customShort("e"), .customLong("include-edge-runtime-only")], help: "Only the logs of edgeAgent and edgeHub")
    var edgeRuntimeOnly = false

    @Option(name: .customLong("iothub-hostname"), help: ArgumentHelp("The IoT Hub host name, for `check`", valueName: "IOTHUB_HOSTNAME"))
    var iothubHostname: String?

    @Flag(name: [.short, .long], help: "Suppress status output")
    var quiet = false

    func run() async throws {
        let now = Date()
        let since = try LogsArguments.time(since, option: "--since", now: now)
        let until = try until.map { (text: String) throws(IotedgeError) in try LogsArguments.time(text, option: "--until", now: now) }
        let path = output ?? Self.defaultFileName(now)
        let toStdout = path == "-"
        let progress: (String) -> Void = { message in
            guard !quiet else { return }
            if toStdout {
                FileHandle.standardError.write(Data((message + "\n").utf8))
            } else {
                print(message)
            }
        }
        let builder = SupportBundleBuilder(
            connection: try ManagementConnection(host: root.host), environment: ProcessInfo.processInfo.environment,
            since: since, until: until, edgeRuntimeOnly: edgeRuntimeOnly, iothubHostname: iothubHostname, progress: progress)
        let zip = try await builder.build()
        do {
            if toStdout {
                try FileHandle.standardOutput.write(contentsOf: zip)
            } else {
                try Data(zip).write(to: URL(fileURLWithPath: path))
            }
        } catch {
            throw IotedgeError("Could not write the support bundle to \(path)", cause: error)
        }
        progress(toStdout ? "Wrote the support bundle to standard output" : "Created support bundle at \(path)")
    }

    /// `support_bundle_YYYY_MM_DD_HH_MM_SS_UTC.zip`.
    static func defaultFileName(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        func two(_ value: Int?) -> String { String(format: "%02d", value ?? 0) }
        return "support_bundle_\(parts.year ?? 0)_\(two(parts.month))_\(two(parts.day))_\(two(parts.hour))_\(two(parts.minute))_\(two(parts.second))_UTC.zip"
    }
}
