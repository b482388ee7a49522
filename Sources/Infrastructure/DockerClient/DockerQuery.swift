/// A query string built in order, values percent-encoded (everything but RFC 3986 unreserved characters).
struct DockerQuery: Sendable {
    private(set) var items: [(String, String)] = []

    init() {}

    mutating func add(_ name: String, _ value: String?) {
        if let value { items.append((name, value)) }
    }

    mutating func add(_ name: String, _ value: Bool?) {
        if let value { items.append((name, value ? "true" : "false")) }
    }

    mutating func add(_ name: String, _ value: Int?) {
        if let value { items.append((name, String(value))) }
    }

    mutating func add(_ name: String, _ filters: DockerFilters?) {
        if let filters, !filters.isEmpty { items.append((name, filters.jsonString)) }
    }

    /// `""` or `?a=b&c=d`.
    var suffix: String {
        guard !items.isEmpty else { return "" }
        return "?" + items.map { "\(Self.encode($0.0))=\(Self.encode($0.1))" }.joined(separator: "&")
    }

    /// Percent-encodes all but unreserved characters (and, with `keeping`, those listed).
    static func encode(_ text: String, keeping: Set<UInt8> = []) -> String {
        var result = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                result.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                if keeping.contains(byte) {
                    result.unicodeScalars.append(Unicode.Scalar(byte))
                } else {
                    result += "%" + (byte < 16 ? "0" : "") + String(byte, radix: 16, uppercase: true)
                }
            }
        }
        return result
    }

    /// A container, network or volume id or name as one path segment.
    static func segment(_ name: String) -> String { encode(name) }

    /// An image reference in a path (`/images/{name}/json`): Docker's routes take `/` and `:` in it as they are.
    static func imageSegment(_ name: String) -> String { encode(name, keeping: [UInt8(ascii: "/"), UInt8(ascii: ":"), UInt8(ascii: "@")]) }
}
