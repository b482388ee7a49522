import Foundation

// Binary values in the keyd API are standard base64 with padding (`http_common::ByteString`). These helpers code them
// explicitly, whatever data strategy the JSON coder was configured with.

extension KeyedDecodingContainer {
    func decodeBase64(forKey key: Key) throws -> Data {
        let text = try decode(String.self, forKey: key)
        guard let data = Data(base64Encoded: text) else {
            throw DecodingError.dataCorruptedError(forKey: key, in: self, debugDescription: "expected standard base64 with padding")
        }
        return data
    }

    func decodeBase64IfPresent(forKey key: Key) throws -> Data? {
        guard let text = try decodeIfPresent(String.self, forKey: key) else { return nil }
        guard let data = Data(base64Encoded: text) else {
            throw DecodingError.dataCorruptedError(forKey: key, in: self, debugDescription: "expected standard base64 with padding")
        }
        return data
    }
}

extension KeyedEncodingContainer {
    mutating func encodeBase64(_ data: Data, forKey key: Key) throws {
        try encode(data.base64EncodedString(), forKey: key)
    }
}
