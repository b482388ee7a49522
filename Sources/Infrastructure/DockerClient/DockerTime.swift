public import Foundation

/// A point in time as Docker's `since`/`until` parameters take it: UNIX seconds with optional nanoseconds
/// (`1700000000.123456789`), or an RFC 3339 timestamp, or a duration before now as Go writes it (`10m`) — whatever
/// Docker accepts is passed through by ``raw(_:)``.
public struct DockerTime: Sendable, Hashable, CustomStringConvertible {
    /// The query parameter value.
    public let queryValue: String

    public init(queryValue: String) { self.queryValue = queryValue }

    /// Whole UNIX seconds (may be negative or 0).
    public static func unix(_ seconds: Int64) -> DockerTime { DockerTime(queryValue: String(seconds)) }

    /// A date, to the nanosecond as far as `Date` holds it.
    public static func date(_ date: Date) -> DockerTime {
        let interval = date.timeIntervalSince1970
        var seconds = Int64(interval.rounded(.down))
        var nanos = Int64(((interval - Double(seconds)) * 1e9).rounded())
        if nanos >= 1_000_000_000 {
            seconds += 1
            nanos -= 1_000_000_000
        }
        let fraction = String(nanos)
        return DockerTime(queryValue: "\(seconds).\(String(repeating: "0", count: 9 - fraction.count))\(fraction)")
    }

    /// A value passed as it is.
    public static func raw(_ value: String) -> DockerTime { DockerTime(queryValue: value) }

    public var description: String { queryValue }

    /// Parses Docker's RFC 3339 timestamps (`2024-05-01T10:00:00.123456789Z`, any number of fraction digits, `Z` or an
    /// offset). `nil` when the text is not one.
    public static func parseRFC3339(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        func number(_ range: Range<Int>) -> Int? {
            guard range.upperBound <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[range] {
                guard byte >= 48 && byte <= 57 else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            return value
        }
        guard bytes.count >= 20, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
            bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: "t"),
            bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"),
            let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
            let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19)
        else { return nil }
        var index = 19
        var fraction = 0.0
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            var scale = 0.1
            while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 {
                fraction += Double(bytes[index] - 48) * scale
                scale /= 10
                index += 1
            }
        }
        guard index < bytes.count else { return nil }
        var offsetSeconds = 0
        switch bytes[index] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            guard index + 1 == bytes.count else { return nil }
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            guard index + 6 == bytes.count, bytes[index + 3] == UInt8(ascii: ":"),
                let hours = number((index + 1)..<(index + 3)), let minutes = number((index + 4)..<(index + 6))
            else { return nil }
            offsetSeconds = (hours * 3600 + minutes * 60) * (bytes[index] == UInt8(ascii: "-") ? -1 : 1)
        default:
            return nil
        }
        var components = DateComponents()
        components.timeZone = TimeZone(identifier: "UTC")
        components.year = year
        components.month = month
        components.day = day
        components.hour = hour
        components.minute = minute
        components.second = second
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        guard let whole = calendar.date(from: components) else { return nil }
        return whole.addingTimeInterval(fraction - Double(offsetSeconds))
    }
}
