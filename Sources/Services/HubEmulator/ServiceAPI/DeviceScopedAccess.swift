import Foundation
import HTTPTypes

/// The service-API routes a device may call with its own credentials (a SAS token for `{hub}/devices/{deviceId}`
/// signed with the device's key, or its X.509 client certificate), as identityd does to manage the module identities
/// of its device (`api-version=2017-11-08-preview`): `GET /devices/{id}/modules`, and `GET`, `PUT`, `DELETE`
/// `/devices/{id}/modules/{moduleId}`. Nothing else.
enum DeviceScopedAccess {
    /// The (percent-decoded) device id whose module identities `method` on `path` addresses, or nil when the request
    /// is not one a device may make.
    static func device(method: HTTPRequest.Method, path: String) -> String? {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map { segment in
            String(segment).removingPercentEncoding ?? String(segment)
        }
        guard segments.count == 3 || segments.count == 4, segments[0] == "devices", !segments[1].isEmpty, segments[2] == "modules" else {
            return nil
        }
        if segments.count == 3 { return method == .get ? segments[1] : nil }
        guard !segments[3].isEmpty, [.get, .put, .delete].contains(method) else { return nil }
        return segments[1]
    }
}
