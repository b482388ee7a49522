internal import IoTHubProtocol

/// The subset of RFC 7512 PKCS#11 URIs that the key service understands: `pkcs11:` followed by `;`-separated
/// path attributes `slot-id` (a number), `token` (a label) and `object` (a label), and the query attribute
/// `pin-value`. Other attributes are ignored. A slot id wins over a token label; one of them is required.
///
/// ``description`` writes the canonical form the reference writes: `slot-id` or `token`, then `object`, then
/// `?pin-value=`, every value with each character that is not an ASCII letter or digit percent-encoded
/// (`object=device%2Did`).
public struct PKCS11URI: Sendable, Hashable, CustomStringConvertible {
    /// How the token is found.
    public enum Slot: Sendable, Hashable {
        case id(UInt64)
        case tokenLabel(String)
    }

    public var slot: Slot
    public var objectLabel: String?
    public var pin: String?

    public init(slot: Slot, objectLabel: String? = nil, pin: String? = nil) {
        self.slot = slot
        self.objectLabel = objectLabel
        self.pin = pin
    }

    public init(parsing text: String) throws(PKCS11URIError) {
        guard text.hasPrefix("pkcs11:") else { throw PKCS11URIError("\"\(text)\" is not a pkcs11: URI") }
        let rest = text.dropFirst("pkcs11:".count)
        let path: Substring
        let query: Substring
        if let mark = rest.firstIndex(of: "?") {
            path = rest[..<mark]
            query = rest[rest.index(after: mark)...]
        } else {
            path = rest
            query = ""
        }
        var slotID: UInt64?
        var token: String?
        var object: String?
        var pin: String?
        for component in path.split(separator: ";", omittingEmptySubsequences: false) {
            let (key, value) = try Self.pair(component, in: text)
            switch key {
            case "slot-id":
                guard let id = UInt64(value) else { throw PKCS11URIError("slot-id \"\(value)\" is not a number") }
                slotID = id
            case "token":
                token = value
            case "object":
                object = value
            default:
                continue
            }
        }
        for component in query.split(separator: "&", omittingEmptySubsequences: false) {
            let (key, value) = try Self.pair(component, in: text)
            if key == "pin-value" { pin = value }
        }
        if let slotID {
            slot = .id(slotID)
        } else if let token {
            slot = .tokenLabel(token)
        } else {
            throw PKCS11URIError("\"\(text)\" has neither slot-id nor token")
        }
        objectLabel = object
        self.pin = pin
    }

    public var description: String {
        var text = "pkcs11:"
        switch slot {
        case .id(let id): text += "slot-id=" + Self.encode(String(id))
        case .tokenLabel(let label): text += "token=" + Self.encode(label)
        }
        if let objectLabel { text += ";object=" + Self.encode(objectLabel) }
        if let pin { text += "?pin-value=" + Self.encode(pin) }
        return text
    }

    /// Splits `key=value` (a missing `=` means an empty value) and percent-decodes both.
    private static func pair(_ component: Substring, in uri: String) throws(PKCS11URIError) -> (String, String) {
        let key: Substring
        let value: Substring
        if let equals = component.firstIndex(of: "=") {
            key = component[..<equals]
            value = component[component.index(after: equals)...]
        } else {
            key = component
            value = ""
        }
        do {
            return (try PercentEncoding.decode(key), try PercentEncoding.decode(value))
        } catch {
            throw PKCS11URIError("\"\(uri)\": \(error.message)")
        }
    }

    /// Percent-encodes every byte that is not an ASCII letter or digit.
    static func encode(_ value: String) -> String {
        var result = ""
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                result.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF".unicodeScalars)
                result.unicodeScalars.append("%")
                result.unicodeScalars.append(hex[Int(byte >> 4)])
                result.unicodeScalars.append(hex[Int(byte & 0x0F)])
            }
        }
        return result
    }
}

/// A PKCS#11 URI that could not be parsed.
public struct PKCS11URIError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
