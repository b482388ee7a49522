/// The `{status}` segment of a direct-method response topic `$iothub/methods/res/{status}/?$rid=…`.
///
/// The hub must not reject a response whose status is not a number: it answers the caller with
/// status 400000 and no payload (§3.7). ``notANumber(_:)`` keeps the raw segment so the topic still
/// round-trips, and ``statusCode`` gives the status to report.
public enum MethodResponseStatus: Sendable, Hashable, CustomStringConvertible {
    /// A numeric status, as sent by a well-behaved client.
    case code(Int)
    /// A status segment that is not an integer, kept verbatim.
    case notANumber(String)

    /// The status the hub reports for a non-numeric status segment.
    public static let invalidStatusCode = 400_000

    /// Parses a status segment: an optionally signed decimal integer gives ``code(_:)``, anything else
    /// ``notANumber(_:)``.
    public init(segment: some StringProtocol) {
        if let value = Int(segment) {
            self = .code(value)
        } else {
            self = .notANumber(String(segment))
        }
    }

    /// The status to report: the number, or ``invalidStatusCode`` (400000).
    public var statusCode: Int {
        switch self {
        case .code(let value): value
        case .notANumber: Self.invalidStatusCode
        }
    }

    /// The topic segment.
    public var description: String {
        switch self {
        case .code(let value): String(value)
        case .notANumber(let raw): raw
        }
    }
}
