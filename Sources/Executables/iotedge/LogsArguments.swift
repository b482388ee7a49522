import EdgeDaemon
import Foundation

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
