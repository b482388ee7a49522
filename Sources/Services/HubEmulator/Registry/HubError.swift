public import Foundation
public import IoTHubProtocol

/// An error the IoT Hub emulator answers with, in IoT Hub's own terms: an error ``Code`` (name and
/// number, e.g. `DeviceNotFound` = 404001), the HTTP status it maps to, and a human message.
///
/// ``jsonBody`` renders IoT Hub's REST error body,
/// `{"Message":"ErrorCode:DeviceNotFound;…","ExceptionMessage":"Tracking ID:…-G:0-TimeStamp:…"}`, and
/// `code.name` is the value of IoT Hub's `iothub-errorcode` response header, so the official SDKs raise
/// their usual exceptions.
public struct HubError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The error code (see ``Code``).
    public var code: Code
    /// What went wrong and, where it helps, what to do about it.
    public var message: String
    /// The tracking id shown in ``jsonBody`` (32 lowercase hex digits).
    public var trackingId: String
    /// When the error happened.
    public var timestamp: Date

    /// Creates an error; the tracking id is random unless given.
    public init(_ code: Code, _ message: String, trackingId: String? = nil, timestamp: Date = Date()) {
        self.code = code
        self.message = message
        self.trackingId = trackingId ?? Self.randomTrackingId()
        self.timestamp = timestamp
    }

    /// The HTTP status code of the response (the first three digits of the error number: 404 for 404001).
    public var httpStatus: Int { code.httpStatus }

    /// IoT Hub's REST error body: `{"Message":"ErrorCode:<name>;<message>","ExceptionMessage":"Tracking
    /// ID:<id>-G:0-TimeStamp:<MM/dd/yyyy HH:mm:ss>"}`.
    public var jsonBody: JSONValue {
        [
            "Message": .string("ErrorCode:\(code.name);\(message)"),
            "ExceptionMessage": .string("Tracking ID:\(trackingId)-G:0-TimeStamp:\(HubTimestamp.trackingString(from: timestamp))"),
        ]
    }

    public var description: String { "\(code.name) (\(code.number)): \(message)" }

    private static func randomTrackingId() -> String {
        var generator = SystemRandomNumberGenerator()
        let digits = Array("0123456789abcdef")
        return String((0..<32).map { _ in digits[Int(generator.next(upperBound: UInt8(16)))] })
    }
}
