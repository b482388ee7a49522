import Foundation
import NIOCore
import NIOHTTP1
import UnixSocketHTTP

/// The request plumbing shared by the aziot service clients: JSON bodies, `api-version` on every request, and a
/// non-2xx answer turned into the client's own error type carrying the server's `{"message": …}`.
struct JSONOverUnixSocket: Sendable {
    let http: UnixSocketHTTPClient
    let apiVersion: String
    let makeError: @Sendable (HTTPResponseStatus, String) -> any Error

    func target(_ path: String) -> String {
        let separator = path.contains("?") ? "&" : "?"
        return "\(path)\(separator)api-version=\(Self.pathSegment(apiVersion))"
    }

    func send<Body: Encodable>(_ method: HTTPMethod, _ path: String, body: Body?) async throws -> UnixSocketHTTPClient.Response {
        var buffer: ByteBuffer?
        var headers: HTTPHeaders = [:]
        if let body {
            buffer = ByteBuffer(bytes: try JSONEncoder().encode(body))
            headers.add(name: "Content-Type", value: "application/json")
        }
        let response = try await http.request(method, target(path), headers: headers, body: buffer)
        guard (200..<300).contains(response.status.code) else { throw error(from: response) }
        return response
    }

    func call<Response: Decodable, Body: Encodable>(_ method: HTTPMethod, _ path: String, body: Body?) async throws -> Response {
        let response = try await send(method, path, body: body)
        do {
            return try JSONDecoder().decode(Response.self, from: Data(response.body.readableBytesView))
        } catch {
            throw makeError(response.status, "the response body is not the expected JSON: \(error)")
        }
    }

    func error(from response: UnixSocketHTTPClient.Response) -> any Error {
        struct Message: Decodable { let message: String }
        if let decoded = try? JSONDecoder().decode(Message.self, from: Data(response.body.readableBytesView)) {
            return makeError(response.status, decoded.message)
        }
        return makeError(response.status, response.bodyText)
    }

    /// Percent-encodes everything but RFC 3986 unreserved characters, so any id fits in one path segment.
    static func pathSegment(_ text: String) -> String {
        var result = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                result.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                result += "%" + (byte < 16 ? "0" : "") + String(byte, radix: 16, uppercase: true)
            }
        }
        return result
    }
}
