import Crypto
import Foundation
import IoTHubProtocol

/// Standard base64 with padding, as every aziot JSON binary value (`http_common::ByteString`).
enum Base64 {
    static func encode(_ bytes: some Sequence<UInt8>) -> String { Data(bytes).base64EncodedString() }

    static func decode(_ text: String) -> [UInt8]? { Data(base64Encoded: text).map { [UInt8]($0) } }
}

/// File-name helpers shared by the reference's state layouts.
enum Naming {
    /// Lower-case hex SHA-256 of the UTF-8 text.
    static func sha256Hex(_ text: String) -> String {
        SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Only the ASCII letters and digits of `text`.
    static func alphanumerics(_ text: String) -> String {
        String(text.unicodeScalars.filter { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0)) })
    }
}

/// A value with a JSON form whose member order is fixed (Foundation's `JSONEncoder` on Linux does not keep the order of
/// `encode(to:)`): identityd writes its answers and backups in the reference's member order.
protocol OrderedJSONRepresentable {
    var jsonValue: JSONValue { get }
}

extension OrderedJSONRepresentable {
    /// Compact JSON text, members in order, `/` not escaped.
    var jsonBytes: [UInt8] { jsonValue.jsonBytes }
}

extension JSONObject {
    /// Adds `value` under `key` when it is not nil.
    mutating func setIfPresent(_ key: String, _ value: String?) {
        if let value { self[key] = .string(value) }
    }
}
