/// Splitting and decoding of request targets without Foundation's URL (which rejects some valid targets).
enum URLComponentsParser {
    /// Splits `/a/b?x=1#f` into (`/a/b`, `x=1`).
    static func split(_ uri: String) -> (path: String, query: Substring) {
        let withoutFragment = uri.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        if let mark = withoutFragment.firstIndex(of: "?") {
            return (String(withoutFragment[..<mark]), withoutFragment[withoutFragment.index(after: mark)...])
        }
        return (String(withoutFragment), "")
    }

    /// Parses `application/x-www-form-urlencoded` pairs; undecodable pairs are skipped.
    static func parseQuery(_ query: Substring) -> [String: String] {
        var result: [String: String] = [:]
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = percentDecode(parts[0], plusAsSpace: true) else { continue }
            let value = parts.count > 1 ? percentDecode(parts[1], plusAsSpace: true) : ""
            if let value { result[name] = value }
        }
        return result
    }

    /// Decodes `%XX` escapes as UTF-8; nil for malformed escapes or invalid UTF-8.
    static func percentDecode(_ text: some StringProtocol, plusAsSpace: Bool = false) -> String? {
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "%"):
                guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else { return nil }
                bytes.append(high << 4 | low)
            case UInt8(ascii: "+") where plusAsSpace:
                bytes.append(UInt8(ascii: " "))
            default:
                bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
