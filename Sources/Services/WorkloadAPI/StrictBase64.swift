/// Standard-alphabet base64 with canonical padding, decoded as strictly as the reference's decoder (Rust `base64`
/// 0.22, `STANDARD` engine): no whitespace, no missing or extra `=`, no non-zero bits after the last byte. Errors carry
/// that decoder's texts ("Invalid symbol 126, offset 0.").
public enum StrictBase64 {
    public struct DecodeError: Error, Sendable, Equatable, CustomStringConvertible {
        public let description: String
    }

    public static func decode(_ text: String) throws(DecodeError) -> [UInt8] {
        let input = Array(text.utf8)
        // Symbols, then padding; a '=' followed by anything but '=' is an invalid symbol where it stands.
        var symbolCount = input.count
        if let firstPad = input.firstIndex(of: UInt8(ascii: "=")) {
            symbolCount = firstPad
            for index in firstPad..<input.count where input[index] != UInt8(ascii: "=") {
                throw DecodeError(description: "Invalid symbol \(input[firstPad]), offset \(firstPad).")
            }
        }
        var values: [UInt8] = []
        values.reserveCapacity(symbolCount)
        for index in 0..<symbolCount {
            guard let value = sextet(input[index]) else {
                throw DecodeError(description: "Invalid symbol \(input[index]), offset \(index).")
            }
            values.append(value)
        }
        let padCount = input.count - symbolCount
        let remainder = symbolCount % 4
        if remainder == 1 { throw DecodeError(description: "Invalid input length: \(symbolCount)") }
        let expectedPad = remainder == 0 ? 0 : 4 - remainder
        guard padCount == expectedPad else { throw DecodeError(description: "Invalid padding") }

        var output: [UInt8] = []
        output.reserveCapacity(symbolCount / 4 * 3 + 2)
        var index = 0
        while index + 4 <= symbolCount {
            let (a, b, c, d) = (values[index], values[index + 1], values[index + 2], values[index + 3])
            output.append(a << 2 | b >> 4)
            output.append(b << 4 | c >> 2)
            output.append(c << 6 | d)
            index += 4
        }
        switch remainder {
        case 2:
            let (a, b) = (values[index], values[index + 1])
            guard b & 0x0F == 0 else { throw DecodeError(description: "Invalid last symbol \(input[index + 1]), offset \(index + 1).") }
            output.append(a << 2 | b >> 4)
        case 3:
            let (a, b, c) = (values[index], values[index + 1], values[index + 2])
            guard c & 0x03 == 0 else { throw DecodeError(description: "Invalid last symbol \(input[index + 2]), offset \(index + 2).") }
            output.append(a << 2 | b >> 4)
            output.append(b << 4 | c >> 2)
        default:
            break
        }
        return output
    }

    /// Standard base64 with padding.
    public static func encode(_ bytes: some Collection<UInt8>) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var output: [UInt8] = []
        output.reserveCapacity((bytes.count + 2) / 3 * 4)
        var iterator = bytes.makeIterator()
        while let first = iterator.next() {
            let second = iterator.next()
            let third = iterator.next()
            output.append(alphabet[Int(first >> 2)])
            output.append(alphabet[Int((first & 0x03) << 4 | (second ?? 0) >> 4)])
            output.append(second.map { alphabet[Int(($0 & 0x0F) << 2 | (third ?? 0) >> 6)] } ?? UInt8(ascii: "="))
            output.append(third.map { alphabet[Int($0 & 0x3F)] } ?? UInt8(ascii: "="))
        }
        return String(decoding: output, as: UTF8.self)
    }

    private static func sextet(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): byte - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): byte - UInt8(ascii: "a") + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0") + 52
        case UInt8(ascii: "+"): 62
        case UInt8(ascii: "/"): 63
        default: nil
        }
    }
}
