/// Percent-encoding as IoT Hub and its SDKs use it on the wire.
///
/// `encode` matches .NET `Uri.EscapeDataString` and Python `urllib.parse.quote(s, safe="")`:
/// only the RFC 3986 unreserved characters `A-Z a-z 0-9 - . _ ~` are left as they are; every
/// other UTF-8 byte becomes `%XX` with upper-case hex digits.
///
/// `decode` is the strict inverse (RFC 3986, no `+` → space conversion): every `%` must be
/// followed by two hex digits and the decoded bytes must be valid UTF-8; anything else is a
/// ``PercentEncodingError``, never a crash.
public enum PercentEncoding {
    /// Percent-encodes `string`, leaving only RFC 3986 unreserved characters unencoded.
    public static func encode(_ string: some StringProtocol) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(string.utf8.count)
        for byte in string.utf8 {
            if isUnreserved(byte) {
                bytes.append(byte)
            } else {
                bytes.append(UInt8(ascii: "%"))
                bytes.append(hexDigit(byte >> 4))
                bytes.append(hexDigit(byte & 0x0F))
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Decodes `%XX` escapes in `string`.
    ///
    /// - Throws: ``PercentEncodingError`` with code `.invalidEscape` when a `%` is not followed by two
    ///   hex digits, or `.invalidUTF8` when the decoded bytes are not valid UTF-8.
    public static func decode(_ string: some StringProtocol) throws(PercentEncodingError) -> String {
        let utf8 = Array(string.utf8)
        guard utf8.contains(UInt8(ascii: "%")) else { return String(string) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(utf8.count)
        var index = 0
        while index < utf8.count {
            let byte = utf8[index]
            if byte == UInt8(ascii: "%") {
                guard index + 2 < utf8.count,
                      let high = hexValue(utf8[index + 1]), let low = hexValue(utf8[index + 2])
                else {
                    throw PercentEncodingError(
                        code: .invalidEscape,
                        message: "invalid percent-escape at offset \(index) in \"\(string)\"",
                        offset: index)
                }
                bytes.append(high << 4 | low)
                index += 3
            } else {
                bytes.append(byte)
                index += 1
            }
        }
        guard let decoded = String(validating: bytes, as: UTF8.self) else {
            throw PercentEncodingError(
                code: .invalidUTF8,
                message: "percent-decoded bytes of \"\(string)\" are not valid UTF-8",
                offset: nil)
        }
        return decoded
    }

    /// Whether `byte` is an RFC 3986 unreserved character (`A-Z a-z 0-9 - . _ ~`).
    public static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "A") + nibble - 10
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
