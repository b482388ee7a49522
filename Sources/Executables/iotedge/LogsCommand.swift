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
            throw IotedgeError(
                "Could not follow the logs of \(module)",
                causes: ["following logs is not supported by this build yet; run without -f/--follow"])
        }
        let response = try await connection.perform("Could not get the logs of \(module)") {
            try await $0.send(.GET, "/modules/\(PathSegment.encode(module))/logs?\(query.queryString(follow: false))")
        }
        try LogOutput.write(response.body)
    }
}

/// `--tail`, `--since` and `--until` checked and turned into the management API's query.
struct LogsArguments: Equatable {
    var tail: String
    var since: Int32
    var until: Int32?

    init(tail: String, since: Int32, until: Int32?) {
        self.tail = tail
        self.since = since
        self.until = until
    }

    init(tail: String, since: String, until: String?, now: Date) throws(IotedgeError) {
        guard tail == "all" || UInt32(tail) != nil else {
            throw IotedgeError("Invalid value for --tail: \(tail)", causes: ["give a number of lines or \"all\""])
        }
        self.tail = tail
        self.since = try Self.time(since, option: "--since", now: now)
        self.until = try until.map { (text: String) throws(IotedgeError) in try Self.time(text, option: "--until", now: now) }
    }

    static func time(_ text: String, option: String, now: Date) throws(IotedgeError) -> Int32 {
        guard let value = LogsTime.parse(text, now: now) else {
            throw IotedgeError(
                "Invalid value for \(option): \(text)",
                causes: ["give a duration before now (\"1 day\", \"10m\", \"2 hours 30 minutes\"), an RFC 3339 timestamp or UNIX seconds"])
        }
        return value
    }

    func queryString(follow: Bool) -> String {
        var query = "follow=\(follow)&tail=\(tail)&timestamps=false&since=\(since)"
        if let until { query += "&until=\(until)" }
        return query
    }
}

/// Writes a logs body to standard output: Docker's multiplexed frames (stdout and stderr both, in order) or, for a
/// TTY container, whose body is not framed, the bytes as they are.
enum LogOutput {
    static func payload(_ body: ByteBuffer) -> [UInt8] {
        var demultiplexer = DockerLogDemultiplexer()
        if let frames = try? demultiplexer.feed(body), (try? demultiplexer.finish()) != nil {
            var bytes: [UInt8] = []
            bytes.reserveCapacity(body.readableBytes)
            for frame in frames { bytes += frame.payload.readableBytesView }
            return bytes
        }
        return Array(body.readableBytesView)
    }

    static func write(_ body: ByteBuffer) throws(IotedgeError) {
        let bytes = payload(body)
        do {
            try FileHandle.standardOutput.write(contentsOf: bytes)
        } catch {
            throw IotedgeError("Could not write the logs", cause: error)
        }
    }
}

/// Percent-encoding of one path segment (module names).
enum PathSegment {
    static func encode(_ text: String) -> String {
        var result = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                result.append(Character(UnicodeScalar(byte)))
            default:
                result += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return result
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
