import DockerClient
public import Foundation

/// Timestamps as edged writes them: UTC, `Z`, and fractional seconds only as far as needed (0, 3, 6 or 9 digits).
public enum RFC3339 {
    /// Docker's "never" (`0001-01-01T00:00:00Z`), which edged treats as absent.
    public static func isZero(_ text: String) -> Bool { text.isEmpty || text.hasPrefix("0001-01-01") }

    /// Docker's timestamp (any fraction, `Z` or an offset) in edged's form; nil for Docker's zero time or text that
    /// is not a timestamp.
    public static func normalize(_ text: String) -> String? {
        guard !isZero(text) else { return nil }
        if text.hasSuffix("Z") || text.hasSuffix("z"), text.count >= 20 {
            let body = text.dropLast()
            let whole = body.prefix(19)
            var nanos = 0
            if body.count > 20, body[body.index(body.startIndex, offsetBy: 19)] == "." {
                let digits = body.dropFirst(20).prefix(9)
                guard digits.allSatisfy(\.isNumber) else { return nil }
                nanos = Int(digits + String(repeating: "0", count: 9 - digits.count)) ?? 0
            }
            guard DockerTime.parseRFC3339(String(whole) + "Z") != nil else { return nil }
            return String(whole) + fraction(nanos) + "Z"
        }
        guard let date = DockerTime.parseRFC3339(text) else { return nil }
        return format(date)
    }

    /// A date in edged's form (to the nanosecond `Date` holds).
    public static func format(_ date: Date) -> String {
        let interval = date.timeIntervalSince1970
        var seconds = Int64(interval.rounded(.down))
        var nanos = Int(((interval - Double(seconds)) * 1e9).rounded())
        if nanos >= 1_000_000_000 {
            seconds += 1
            nanos -= 1_000_000_000
        }
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        let whole = "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2))"
        return whole + fraction(nanos) + "Z"
    }

    private static func fraction(_ nanos: Int) -> String {
        guard nanos > 0 else { return "" }
        let nine = String(nanos)
        let padded = String(repeating: "0", count: 9 - nine.count) + nine
        if nanos % 1_000_000 == 0 { return "." + padded.prefix(3) }
        if nanos % 1_000 == 0 { return "." + padded.prefix(6) }
        return "." + padded
    }
}
