import Foundation

/// Base64 (RFC 4648, with padding) for message bodies and keys.
enum Base64 {
    static func encode(_ bytes: some Sequence<UInt8>) -> String {
        Data(bytes).base64EncodedString()
    }

    static func decode(_ string: String) -> [UInt8]? {
        Data(base64Encoded: string).map { Array($0) }
    }
}
