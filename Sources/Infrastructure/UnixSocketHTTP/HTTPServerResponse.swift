import Foundation
public import NIOCore
public import NIOHTTP1

/// A response built by a route handler. Success responses are JSON or `204` with no body; errors are
/// `{"message": …}` (see ``HTTPResponseError``). A response with a ``bodyStream`` is sent chunked as it is produced
/// (see ``stream(status:headers:body:)``); the others are sent whole with a `Content-Length`.
public struct HTTPServerResponse: Sendable {
    public var status: HTTPResponseStatus
    public var headers: HTTPHeaders
    /// The whole body (ignored when ``bodyStream`` is set).
    public var body: ByteBuffer
    /// A body produced while it is sent, or nil for a buffered one.
    public var bodyStream: HTTPResponseBodyStream?

    public init(status: HTTPResponseStatus, headers: HTTPHeaders = [:], body: ByteBuffer = ByteBuffer()) {
        self.status = status
        self.headers = headers
        self.body = body
        self.bodyStream = nil
    }

    /// A response whose body is `body`, sent with `Transfer-Encoding: chunked` as it is produced, with back-pressure;
    /// the producer is cancelled if the client disconnects (see ``HTTPResponseBodyStream``).
    public static func stream(status: HTTPResponseStatus = .ok, headers: HTTPHeaders = [:], body: HTTPResponseBodyStream) -> HTTPServerResponse {
        var response = HTTPServerResponse(status: status, headers: headers)
        response.bodyStream = body
        return response
    }

    /// A response whose body is the buffers of `chunks`, streamed as ``stream(status:headers:body:)`` does.
    public static func stream<Chunks: AsyncSequence & Sendable>(status: HTTPResponseStatus = .ok, headers: HTTPHeaders = [:], chunks: Chunks)
        -> HTTPServerResponse where Chunks.Element == ByteBuffer
    {
        stream(status: status, headers: headers, body: HTTPResponseBodyStream(chunks))
    }

    /// `204 No Content`.
    public static var noContent: HTTPServerResponse { HTTPServerResponse(status: .noContent) }

    /// A JSON response with `Content-Type: application/json`.
    public static func json(_ value: some Encodable, status: HTTPResponseStatus = .ok) throws -> HTTPServerResponse {
        let data = try JSONEncoder().encode(value)
        return HTTPServerResponse(status: status, headers: ["Content-Type": "application/json"], body: ByteBuffer(bytes: data))
    }

    /// `{"message": …}` with the given status.
    public static func error(_ status: HTTPResponseStatus, message: String) -> HTTPServerResponse {
        struct Body: Encodable { let message: String }
        // Encoding a single string cannot fail.
        let data = (try? JSONEncoder().encode(Body(message: message))) ?? Data(#"{"message":"internal error"}"#.utf8)
        return HTTPServerResponse(status: status, headers: ["Content-Type": "application/json"], body: ByteBuffer(bytes: data))
    }

    /// The response for an error thrown by a handler: its own status and message for ``HTTPResponseError``s,
    /// `500 {"message":"internal error"}` for anything else (whose text may leak internals).
    public static func error(_ error: any Error) -> HTTPServerResponse {
        if let error = error as? any HTTPResponseError {
            return .error(error.status, message: error.message)
        }
        return .error(.internalServerError, message: "internal error")
    }
}

extension HTTPServerRequest {
    /// Decodes the body as JSON with aziot's rules: without a body → `400 missing request body`; a `Content-Type` other
    /// than `application/json` → the body is ignored (so `400` too), except for PUT, which gets
    /// `415 request body must be application/json`; a body that does not parse → `422`.
    public func decodeJSON<T: Decodable>(_ type: T.Type = T.self) throws -> T {
        if let contentType = headers["Content-Type"].first {
            let mediaType = contentType.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            if mediaType != "application/json" {
                if method == .PUT { throw HTTPError(.unsupportedMediaType, "request body must be application/json") }
                throw HTTPError(.badRequest, "missing request body")
            }
        }
        guard let body, body.readableBytes > 0 else { throw HTTPError(.badRequest, "missing request body") }
        do {
            return try JSONDecoder().decode(T.self, from: Data(body.readableBytesView))
        } catch {
            throw HTTPError(.unprocessableEntity, "invalid request body: \(error)")
        }
    }
}
