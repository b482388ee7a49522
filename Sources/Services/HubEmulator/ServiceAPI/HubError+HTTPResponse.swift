public import Hummingbird
import IoTHubProtocol
import HTTPTypes
import NIOCore

/// IoT Hub's error answers: the status, the `iothub-errorcode` header and the `{"Message":…,"ExceptionMessage":…}`
/// body, so the SDKs raise their normal exceptions.
extension HubError: HTTPResponseError {
    public var status: HTTPResponse.Status { .init(code: httpStatus) }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        headers[HTTPField.Name("iothub-errorcode")!] = code.name
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: jsonBody.jsonString)))
    }
}
