import Foundation
import IoTHubProtocol
import NIOCore
import NIOHTTP1
import UnixSocketHTTP

extension HTTPServerRequest {
    /// The JSON body with the reference's rules (§1): for POST/DELETE a body is parsed only when `Content-Type` is
    /// absent or JSON, and an empty or non-JSON-typed body is "no body" (nil); for PUT a non-JSON `Content-Type` is
    /// `415` and an empty body `422`. A body that does not parse is `422`. Key order is kept.
    func jsonBody() throws(HTTPError) -> JSONValue? {
        var isJSON = true
        if let contentType = headers["Content-Type"].first {
            let mediaType = contentType.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            isJSON = mediaType == "application/json"
        }
        if method == .PUT {
            guard isJSON else { throw HTTPError(.unsupportedMediaType, "request body must be application/json") }
            guard let body, body.readableBytes > 0 else { throw HTTPError(.unprocessableEntity, "invalid request body: EOF while parsing a value") }
        }
        guard isJSON, let body, body.readableBytes > 0 else { return nil }
        do {
            return try JSONValue(parsing: body.readableBytesView)
        } catch {
            throw HTTPError(.unprocessableEntity, "invalid request body: \(error)")
        }
    }

    /// The body, required: no body is `400 missing request body`.
    func requiredJSONBody() throws(HTTPError) -> JSONValue {
        guard let body = try jsonBody() else { throw HTTPError(.badRequest, "missing request body") }
        return body
    }
}
