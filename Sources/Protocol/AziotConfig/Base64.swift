/// Standard base64 (RFC 4648 §4) for symmetric keys in the super-config.
///
/// Decoding accepts the padded form and, for compatibility with configs written for older releases, the
/// unpadded form (`"YWJj"` and `"YWI"` both decode). It rejects characters outside the alphabet, whitespace,
/// padding in the middle, a lone trailing character and non-zero bits after the last whole byte.
public enum Base64 {
    private static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// The padded encoding of `bytes`.
    public static func encode(_ bytes: [UInt8]) -> String {
        var output: [UInt8] = []
        output.reserveCapacity((bytes.count + 2) / 3 * 4)
        var index = 0
        while index < bytes.count {
            let remaining = bytes.count - index
            let b0 = bytes[index]
            let b1 = remaining > 1 ? bytes[index + 1] : 0
            let b2 = remaining > 2 ? bytes[index + 2] : 0
            output.append(alphabet[Int(b0 >> 2)])
            output.append(alphabet[Int((b0 & 0x03) << 4 | b1 >> 4)])
            output.append(remaining > 1 ? alphabet[Int((b1 & 0x0F) << 2 | b2 >> 6)] : UInt8(ascii: "="))
            output.append(remaining > 2 ? alphabet[Int(b2 & 0x3F)] : UInt8(ascii: "="))
            index += 3
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Decodes padded or unpadded standard base64; nil when `text` is not valid base64.
    public static func decode(_ text: String) -> [UInt8]? {
        var symbols = Array(text.utf8)
        if symbols.count % 4 == 0, symbols.last == UInt8(ascii: "=") {
            symbols.removeLast()
            if symbols.last == UInt8(ascii: "=") { symbols.removeLast() }
        }
        if symbols.count % 4 == 1 { return nil }
        var values: [UInt8] = []
        values.reserveCapacity(symbols.count)
        for symbol in symbols {
            guard let value = value(of: symbol) else { return nil }
            values.append(value)
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(values.count * 3 / 4)
        var index = 0
        while index + 4 <= values.count {
            let (v0, v1, v2, v3) = (values[index], values[index + 1], values[index + 2], values[index + 3])
            bytes.append(v0 << 2 | v1 >> 4)
            bytes.append(v1 << 4 | v2 >> 2)
            bytes.append(v2 << 6 | v3)
            index += 4
        }
        switch values.count - index {
        case 2:
            guard values[index + 1] & 0x0F == 0 else { return nil }
            bytes.append(values[index] << 2 | values[index + 1] >> 4)
        case 3:
            guard values[index + 2] & 0x03 == 0 else { return nil }
            bytes.append(values[index] << 2 | values[index + 1] >> 4)
            bytes.append(values[index + 1] << 4 | values[index + 2] >> 2)
        default:
            break
        }
        return bytes
    }

    private static func value(of symbol: UInt8) -> UInt8? {
        switch symbol {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): symbol - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): symbol - UInt8(ascii: "a") + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): symbol - UInt8(ascii: "0") + 52
        case UInt8(ascii: "+"): 62
        case UInt8(ascii: "/"): 63
        default: nil
        }
    }
}
