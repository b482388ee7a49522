import NIOHTTP1
public import DockerClient
public import Foundation
public import UnixSocketHTTP

/// The query of `GET /modules/{name}/logs`: `follow`, `tail`, `since`, `until`, `timestamps`. A bad value is
/// `400 invalid parameter: <name>`.
public struct LogsQuery: Sendable, Hashable {
    public var follow: Bool
    public var tail: ContainerLogsOptions.Tail
    /// UNIX seconds (default 0: from the beginning).
    public var since: Int32
    public var until: Int32?
    public var timestamps: Bool

    public init(follow: Bool = false, tail: ContainerLogsOptions.Tail = .all, since: Int32 = 0, until: Int32? = nil, timestamps: Bool = false) {
        self.follow = follow
        self.tail = tail
        self.since = since
        self.until = until
        self.timestamps = timestamps
    }

    public init(query: [String: String], now: Date = Date()) throws(HTTPError) {
        func invalid(_ name: String) -> HTTPError { HTTPError(.badRequest, "invalid parameter: \(name)") }
        func flag(_ name: String) throws(HTTPError) -> Bool {
            switch query[name] {
            case nil, "false": return false
            case "true": return true
            default: throw invalid(name)
            }
        }
        follow = try flag("follow")
        timestamps = try flag("timestamps")
        switch query["tail"] {
        case nil, "all": tail = .all
        case let text?:
            guard let count = UInt32(text) else { throw invalid("tail") }
            tail = .last(Int(count))
        }
        if let text = query["since"] {
            guard let value = LogsTime.parse(text, now: now) else { throw invalid("since") }
            since = value
        } else {
            since = 0
        }
        if let text = query["until"] {
            guard let value = LogsTime.parse(text, now: now) else { throw invalid("until") }
            until = value
        } else {
            until = nil
        }
    }

    /// Docker's logs options for this query (stdout and stderr both).
    public var dockerOptions: ContainerLogsOptions {
        ContainerLogsOptions(
            follow: follow, since: .unix(Int64(since)), until: until.map { .unix(Int64($0)) }, timestamps: timestamps, tail: tail
        )
    }
}

/// `since`/`until` values: an RFC 3339 timestamp, whole UNIX seconds (may be 0 or negative), or a duration before
/// now in humantime's words (`1d`, `90m`, `2 days 3 hours`, `1h 30min`). The result must fit in 32 bits.
public enum LogsTime {
    public static func parse(_ text: String, now: Date = Date()) -> Int32? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let seconds = Int64(trimmed) { return Int32(exactly: seconds) }
        if let date = DockerTime.parseRFC3339(trimmed) { return Int32(exactly: Int64(date.timeIntervalSince1970.rounded(.down))) }
        guard let duration = parseDuration(trimmed) else { return nil }
        return Int32(exactly: Int64((now.timeIntervalSince1970 - duration).rounded(.down)))
    }

    /// Seconds in a humantime duration, or nil.
    public static func parseDuration(_ text: String) -> Double? {
        var total = 0.0
        var rest = Substring(text)
        var parts = 0
        while true {
            rest = rest.drop { $0 == " " }
            guard !rest.isEmpty else { break }
            let digits = rest.prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty, let value = Double(digits) else { return nil }
            rest = rest.dropFirst(digits.count).drop { $0 == " " }
            let unit = rest.prefix { $0.isLetter }
            guard !unit.isEmpty, let scale = unitSeconds[String(unit)] else { return nil }
            rest = rest.dropFirst(unit.count)
            total += value * scale
            parts += 1
        }
        return parts > 0 ? total : nil
    }

    private static let unitSeconds: [String: Double] = {
        var table: [String: Double] = [:]
        func add(_ names: [String], _ seconds: Double) { for name in names { table[name] = seconds } }
        add(["nsec", "ns"], 1e-9)
        add(["usec", "us"], 1e-6)
        add(["msec", "ms"], 1e-3)
        add(["seconds", "second", "sec", "s"], 1)
        add(["minutes", "minute", "min", "m"], 60)
        add(["hours", "hour", "hr", "h"], 3600)
        add(["days", "day", "d"], 86_400)
        add(["weeks", "week", "w"], 604_800)
        add(["months", "month", "M"], 2_630_016)
        add(["years", "year", "y"], 31_557_600)
        return table
    }()
}
