/// Where a `[preloaded_keys]` entry says a key is.
public enum PreloadedKeyLocation: Sendable, Equatable {
    /// `file:///abs/path`, percent-decoded.
    case file(path: String)
    /// A `pkcs11:` URI, kept as written (this build cannot use it).
    case pkcs11(uri: String)

    /// Parses `file:///abs/path` (also `file://localhost/abs/path`) or any `pkcs11:` URI.
    public init?(uri: String) {
        if uri.hasPrefix("pkcs11:") {
            self = .pkcs11(uri: uri)
            return
        }
        guard uri.hasPrefix("file://") else { return nil }
        var rest = Substring(uri.dropFirst("file://".count))
        if rest.hasPrefix("localhost/") { rest = rest.dropFirst("localhost".count) }
        guard rest.hasPrefix("/"), !rest.contains("?"), !rest.contains("#"), let path = Self.percentDecode(rest) else { return nil }
        self = .file(path: path)
    }

    /// The URI form: `file://` with the path percent-encoded where needed, or the `pkcs11:` URI as written.
    public var uri: String {
        switch self {
        case .pkcs11(let uri):
            return uri
        case .file(let path):
            var encoded = "file://"
            for byte in path.utf8 {
                switch byte {
                case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                    UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "/"):
                    encoded.unicodeScalars.append(Unicode.Scalar(byte))
                default:
                    encoded += "%" + (byte < 16 ? "0" : "") + String(byte, radix: 16, uppercase: true)
                }
            }
            return encoded
        }
    }

    private static func percentDecode(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next(), let low = iterator.next(),
                let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16)
            else { return nil }
            bytes.append(value)
        }
        return String(validating: bytes, as: UTF8.self)
    }
}
