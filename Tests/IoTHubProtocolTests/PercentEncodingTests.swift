import IoTHubProtocol
import Testing

@Suite("PercentEncoding")
struct PercentEncodingTests {
    @Test("unreserved characters are left as they are")
    func unreservedUnchanged() {
        let unreserved = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
        #expect(PercentEncoding.encode(unreserved) == unreserved)
    }

    @Test(
        "reserved and other characters are encoded like Uri.EscapeDataString",
        arguments: [
            ("$", "%24"), ("/", "%2F"), (" ", "%20"), ("&", "%26"), ("=", "%3D"), ("+", "%2B"), ("?", "%3F"),
            ("#", "%23"), ("%", "%25"), (":", "%3A"), (";", "%3B"), ("@", "%40"), ("!", "%21"), ("*", "%2A"),
            ("'", "%27"), ("(", "%28"), (")", "%29"), (",", "%2C"), ("[", "%5B"), ("]", "%5D"), ("\"", "%22"),
            ("\u{0}", "%00"), ("\n", "%0A"), ("\u{7F}", "%7F"), ("é", "%C3%A9"), ("日", "%E6%97%A5"),
            ("😀", "%F0%9F%98%80"), ("$.mid", "%24.mid"), ("application/json", "application%2Fjson"),
            ("x&y=z", "x%26y%3Dz"), ("high temp", "high%20temp"),
        ])
    func encodes(raw: String, encoded: String) throws {
        #expect(PercentEncoding.encode(raw) == encoded)
        #expect(try PercentEncoding.decode(encoded) == raw)
    }

    @Test("hex digits are upper case on encode, either case on decode")
    func hexCase() throws {
        #expect(PercentEncoding.encode("\u{FF}") == "%C3%BF")
        #expect(try PercentEncoding.decode("%c3%bf") == "\u{FF}")
        #expect(try PercentEncoding.decode("%2f%2F") == "//")
    }

    @Test("decode leaves + alone (RFC 3986, not form encoding)")
    func plusStays() throws {
        #expect(try PercentEncoding.decode("a+b") == "a+b")
        #expect(try PercentEncoding.decode("a%2Bb") == "a+b")
    }

    @Test("decode of a string without escapes returns it unchanged")
    func noEscapes() throws {
        #expect(try PercentEncoding.decode("") == "")
        #expect(try PercentEncoding.decode("$.mid") == "$.mid")
        #expect(try PercentEncoding.decode("日本") == "日本")
    }

    @Test(
        "bad percent sequences are errors with the offset",
        arguments: [("%", 0), ("a%", 1), ("%2", 0), ("ab%2", 2), ("%zz", 0), ("%2G", 0), ("x%%41", 1), ("%41%", 3)])
    func badEscapes(input: String, offset: Int) {
        let error = #expect(throws: PercentEncodingError.self) { try PercentEncoding.decode(input) }
        #expect(error?.code == .invalidEscape)
        #expect(error?.offset == offset)
        #expect(error?.message.contains("offset \(offset)") == true)
    }

    @Test("decoded bytes that are not UTF-8 are an error", arguments: ["%FF", "%C3", "%C3%28", "%ED%A0%80"])
    func invalidUTF8(input: String) {
        let error = #expect(throws: PercentEncodingError.self) { try PercentEncoding.decode(input) }
        #expect(error?.code == .invalidUTF8)
        #expect(error?.offset == nil)
    }

    @Test("random strings round-trip")
    func randomRoundTrip() throws {
        var generator = SeededGenerator(seed: 42)
        for _ in 0..<500 {
            let text = generator.anyText(maxLength: 32)
            let encoded = PercentEncoding.encode(text)
            #expect(encoded.utf8.allSatisfy { PercentEncoding.isUnreserved($0) || $0 == UInt8(ascii: "%") })
            #expect(try PercentEncoding.decode(encoded) == text)
        }
    }
}
