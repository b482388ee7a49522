import ArgumentParser
import DockerClient
import EdgeDaemon
import Foundation
import NIOCore
import NIOHTTP1
import UnixSocketHTTP

/// `iotedge logs <MODULE>`: a module's output, demultiplexed from Docker's frames however the HTTP body was chunked.
struct LogsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "logs", abstract: "Fetch the logs of a module")

    @ParentCommand var root: IotedgeCommand

    @Argument(help: "The module")
    var module: String

    @Option(help: ArgumentHelp("Number of lines to show from the end of the log: a number or \"all\"", valueName: "NUM"))
    var tail: String = "all"

    @Option(help: ArgumentHelp(
        "Only logs since this time: a duration before now (\"1 day\", \"90m\"), an RFC 3339 timestamp or UNIX seconds",
        valueName: "DURATION or TIMESTAMP"))
    var since: String = "1 day"

    @Option(help: ArgumentHelp(
        "Only logs until this time: a duration before now, an RFC 3339 timestamp or UNIX seconds", valueName: "DURATION or TIMESTAMP"))
    var until: String?

    @Flag(name: [.short, .long], help: "Follow output")
    var follow = false

    func run() async throws {
        let query = try LogsArguments(tail: tail, since: since, until: until, now: Date())
        let connection = try ManagementConnection(host: root.host)
        if follow {
            try await followLogs(connection, query)
            return
        }
        let response = try await connection.perform("Could not get the logs of \(module)") {
            try await $0.send(.GET, "/modules/\(PathSegment.encode(module))/logs?\(query.queryString(follow: false))")
        }
        try LogOutput.write(response.body)
    }

    /// Writes each log entry as it arrives until the module stops (the stream ends) or the user interrupts.
    func followLogs(_ connection: ManagementConnection, _ query: LogsArguments) async throws(IotedgeError) {
        let stream = try await connection.perform("Could not follow the logs of \(module)") {
            try await $0.followLogs(module, tail: query.tail, since: String(query.since), until: query.until.map { String($0) })
        }
        do {
            for try await frame in stream {
                try FileHandle.standardOutput.write(contentsOf: Array(frame.payload.readableBytesView))
            }
        } catch {
            throw IotedgeError("The logs of \(module) ended with an error", cause: error)
        }
    }
}
