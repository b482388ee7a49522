public import Foundation

/// IoT Hub's timestamp strings: UTC ISO-8601 with seven fractional digits, as the hub renders .NET
/// `DateTime`s (`2023-02-21T10:40:10.5062402Z`), and ``never`` (`0001-01-01T00:00:00Z`) for a time that
/// has not happened yet (a device that never connected).
public enum HubTimestamp {
    /// The timestamp IoT Hub shows for "never": `0001-01-01T00:00:00Z`.
    public static let never = "0001-01-01T00:00:00Z"

    /// Seconds from 0001-01-01T00:00:00Z to the Unix epoch (the offset of .NET ticks).
    static let secondsFromYearOneToUnixEpoch: Int64 = 62_135_596_800

    /// Renders `date` as IoT Hub does: `yyyy-MM-ddTHH:mm:ss.fffffffZ` in UTC.
    public static func string(from date: Date) -> String {
        let ticks = Self.ticks(from: date)
        let totalSeconds = ticks / 10_000_000
        let fraction = ticks % 10_000_000
        let fields = civilFields(yearOneSeconds: totalSeconds)
        return "\(pad(fields.year, 4))-\(pad(fields.month, 2))-\(pad(fields.day, 2))T"
            + "\(pad(fields.hour, 2)):\(pad(fields.minute, 2)):\(pad(fields.second, 2)).\(pad(fraction, 7))Z"
    }

    /// Parses an ISO-8601 UTC timestamp as IoT Hub and its SDKs write them: `yyyy-MM-ddTHH:mm:ss`, an
    /// optional fraction of any length, then `Z`, `+00:00` or nothing (read as UTC). Returns `nil` for
    /// anything else.
    public static func date(from string: String) -> Date? {
        var bytes = Array(string.utf8)
        if bytes.last == UInt8(ascii: "Z") {
            bytes.removeLast()
        } else if bytes.count > 6, Array(bytes.suffix(6)) == Array("+00:00".utf8) {
            bytes.removeLast(6)
        }
        guard bytes.count >= 19,
            bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"), bytes[10] == UInt8(ascii: "T"),
            bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"),
            let year = number(bytes[0..<4]), let month = number(bytes[5..<7]), let day = number(bytes[8..<10]),
            let hour = number(bytes[11..<13]), let minute = number(bytes[14..<16]), let second = number(bytes[17..<19]),
            (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        var fraction = 0.0
        if bytes.count > 19 {
            guard bytes[19] == UInt8(ascii: "."), bytes.count > 20 else { return nil }
            var scale = 0.1
            for byte in bytes[20...] {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
                fraction += Double(byte - UInt8(ascii: "0")) * scale
                scale /= 10
            }
        }
        let days = daysFromCivil(year: year, month: month, day: day)
        let unixSeconds = days * 86_400 + hour * 3_600 + minute * 60 + second
        return Date(timeIntervalSince1970: Double(unixSeconds) + fraction)
    }

    /// The .NET tick count (100 ns since 0001-01-01T00:00:00Z) of `date`, the basis of IoT Hub's
    /// generation ids.
    static func ticks(from date: Date) -> Int64 {
        let unix = date.timeIntervalSince1970
        let seconds = unix.rounded(.down)
        let fraction = Int64(((unix - seconds) * 10_000_000).rounded(.down))
        return (Int64(seconds) + secondsFromYearOneToUnixEpoch) * 10_000_000 + min(max(fraction, 0), 9_999_999)
    }

    /// The `MM/dd/yyyy HH:mm:ss` UTC form IoT Hub uses in error tracking ids.
    static func trackingString(from date: Date) -> String {
        let seconds = Int64(date.timeIntervalSince1970.rounded(.down)) + secondsFromYearOneToUnixEpoch
        let fields = civilFields(yearOneSeconds: seconds)
        return "\(pad(fields.month, 2))/\(pad(fields.day, 2))/\(pad(fields.year, 4)) "
            + "\(pad(fields.hour, 2)):\(pad(fields.minute, 2)):\(pad(fields.second, 2))"
    }

    private struct CivilFields {
        var year: Int64, month: Int64, day: Int64, hour: Int64, minute: Int64, second: Int64
    }

    private static func civilFields(yearOneSeconds: Int64) -> CivilFields {
        let unixSeconds = yearOneSeconds - secondsFromYearOneToUnixEpoch
        let days = floorDivide(unixSeconds, 86_400)
        let secondOfDay = unixSeconds - days * 86_400
        let (year, month, day) = civilFromDays(days)
        return CivilFields(
            year: year, month: month, day: day,
            hour: secondOfDay / 3_600, minute: secondOfDay % 3_600 / 60, second: secondOfDay % 60)
    }

    // Howard Hinnant's civil-calendar algorithms (proleptic Gregorian, days relative to 1970-01-01).
    private static func civilFromDays(_ daysSinceEpoch: Int64) -> (Int64, Int64, Int64) {
        let z = daysSinceEpoch + 719_468
        let era = floorDivide(z, 146_097)
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }

    private static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = floorDivide(shiftedYear, 400)
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    private static func floorDivide(_ value: Int64, _ divisor: Int64) -> Int64 {
        value >= 0 ? value / divisor : -((-value + divisor - 1) / divisor)
    }

    private static func number(_ digits: ArraySlice<UInt8>) -> Int64? {
        var value: Int64 = 0
        for byte in digits {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
            value = value * 10 + Int64(byte - UInt8(ascii: "0"))
        }
        return value
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}
