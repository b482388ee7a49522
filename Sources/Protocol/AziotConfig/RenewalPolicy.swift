/// When to renew a certificate, or how long to wait before retrying a failed renewal.
///
/// Written `"<n>%"` (a share of the certificate's lifetime, 1–99), `"<n>min"` or `"<n>day"` (a time before
/// expiry, or between retries). Times are kept in seconds and written back as whole days when they are a
/// whole number of days, else as minutes: `"1441min"` stays `"1441min"`, `"2880min"` becomes `"2day"`.
public enum RenewalPolicy: Sendable, Hashable, CustomStringConvertible {
    /// A percentage of the certificate lifetime, 1 to 99.
    case percentage(Int)
    /// A duration in seconds (a positive multiple of 60).
    case time(seconds: Int)

    /// Parses the config form; the error says what is wrong in words.
    public init(parsing text: String) throws(RenewalPolicyError) {
        let unit: String
        let number: Substring
        if text.hasSuffix("%") {
            unit = "%"
            number = text.dropLast(1)
        } else if text.hasSuffix("min") {
            unit = "min"
            number = text.dropLast(3)
        } else if text.hasSuffix("day") {
            unit = "day"
            number = text.dropLast(3)
        } else {
            throw RenewalPolicyError(text, "expected a number followed by %, min or day")
        }
        guard !number.isEmpty, number.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
            let value = Int(number)
        else {
            throw RenewalPolicyError(text, "expected a number followed by %, min or day")
        }
        guard value > 0 else { throw RenewalPolicyError(text, "the value must be positive") }
        switch unit {
        case "%":
            guard value < 100 else { throw RenewalPolicyError(text, "a lifetime percentage must be less than 100") }
            self = .percentage(value)
        case "min":
            guard value <= Int.max / 60 else { throw RenewalPolicyError(text, "the value is too large") }
            self = .time(seconds: value * 60)
        default:
            guard value <= Int.max / 86_400 else { throw RenewalPolicyError(text, "the value is too large") }
            self = .time(seconds: value * 86_400)
        }
    }

    public var description: String {
        switch self {
        case .percentage(let percentage):
            return "\(percentage)%"
        case .time(let seconds):
            return seconds % 86_400 == 0 ? "\(seconds / 86_400)day" : "\(seconds / 60)min"
        }
    }
}

/// A renewal policy string that could not be parsed.
public struct RenewalPolicyError: Error, Sendable, Equatable, CustomStringConvertible {
    public let text: String
    public let reason: String

    public init(_ text: String, _ reason: String) {
        self.text = text
        self.reason = reason
    }

    public var description: String { "invalid renewal policy \"\(text)\": \(reason)" }
}

/// Auto-renewal settings: `rotate_key`, `threshold`, `retry` (all three required when the table is present).
public struct AutoRenewConfig: Sendable, Hashable {
    /// Whether renewal also replaces the key pair (through a temporary `<id>-temp` key).
    public var rotateKey: Bool
    /// When to renew.
    public var threshold: RenewalPolicy
    /// How long to wait after a failed attempt.
    public var retry: RenewalPolicy

    public init(rotateKey: Bool = true, threshold: RenewalPolicy = .percentage(80), retry: RenewalPolicy = .percentage(4)) {
        self.rotateKey = rotateKey
        self.threshold = threshold
        self.retry = retry
    }

    /// Rotate the key, renew at 80 % of the lifetime, retry every 4 %.
    public static let `default` = AutoRenewConfig()

    public var isDefault: Bool { self == .default }
}
