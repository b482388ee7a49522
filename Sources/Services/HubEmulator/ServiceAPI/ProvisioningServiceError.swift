import Foundation
import HTTPTypes
public import Hummingbird
public import IoTHubProtocol
import NIOCore

/// A ``HubError`` answered in the Device Provisioning Service's shape: the status, an `x-ms-error-code` header and
/// `{"errorCode": <number>, "trackingId", "message", "timestampUtc"}` (the SDKs and identityd read `errorCode` and
/// `message`).
public struct ProvisioningServiceError: Error, HTTPResponseError, CustomStringConvertible {
    public var error: HubError

    public init(_ error: HubError) {
        self.error = error
    }

    public var status: HTTPResponse.Status { .init(code: error.httpStatus) }

    /// DPS's error body.
    public var jsonBody: JSONValue {
        [
            "errorCode": .int(Int64(error.code.number)),
            "trackingId": .string(error.trackingId),
            "message": .string(error.message),
            "timestampUtc": .string(HubTimestamp.string(from: error.timestamp)),
        ]
    }

    public var description: String { error.description }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        headers[HTTPField.Name("x-ms-error-code")!] = String(error.code.number)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: jsonBody.jsonString)))
    }

    /// Runs `body`, answering its ``HubError``s in DPS's shape.
    static func answering<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as HubError {
            throw ProvisioningServiceError(error)
        }
    }
}
