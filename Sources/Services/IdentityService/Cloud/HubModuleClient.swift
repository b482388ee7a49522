import Foundation
import NIOHTTP1

/// IoT Hub's module identity REST API as identityd uses it (§4.4.2), authenticated as the device (SAS token signed
/// by keyd with the device key, audience `{hub}/devices/{deviceId}`, or mutual TLS for X.509 devices):
/// `https://{gatewayHost}/devices/{deviceId}/modules[/{moduleId}]?api-version=2017-11-08-preview`.
///
/// - list `GET …/modules`, get `GET …/modules/{id}`, create `PUT` without `If-Match`, update `PUT` with
///   `If-Match: *`, delete `DELETE` with `If-Match: *` (answer `204`); other successes must be `200` (a `201` on create
///   is accepted too);
/// - error bodies `{"Message"|"errorMessage", "networkError"?}`: `networkError: true`, or any `500` (how a parent
///   edgeHub reports that it cannot reach the cloud), is a network error.
struct HubModuleClient: Sendable {
    static let apiVersion = "2017-11-08-preview"

    let http: CloudHTTPClient
    let device: ProvisionedDevice
    let keys: any IdentityKeyClient
    /// Port of the REST endpoint (443 but for emulators).
    let port: Int
    /// Replaces the device's own authorization (tests only: an emulator that takes service tokens only).

    func list() async throws -> [HubModule] {
        let response = try await send(.GET, moduleId: nil)
        try expect(response, [200])
        return try response.decodeJSON([HubModule].self)
    }

    func get(_ moduleId: String) async throws -> HubModule {
        let response = try await send(.GET, moduleId: moduleId)
        try expect(response, [200])
        return try response.decodeJSON(HubModule.self)
    }

    /// Creates the module without keys (Hub generates some; identityd replaces them with derived ones by ``update``).
    func create(_ moduleId: String) async throws -> HubModule {
        let response = try await send(.PUT, moduleId: moduleId, body: HubModule(moduleId: moduleId, deviceId: device.deviceId))
        try expect(response, [200, 201])
        return try response.decodeJSON(HubModule.self)
    }

    func update(_ moduleId: String, authentication: HubModule.Authentication) async throws -> HubModule {
        let body = HubModule(moduleId: moduleId, deviceId: device.deviceId, authentication: authentication)
        let response = try await send(.PUT, moduleId: moduleId, body: body, ifMatchAny: true)
        try expect(response, [200])
        return try response.decodeJSON(HubModule.self)
    }

    func delete(_ moduleId: String) async throws {
        let response = try await send(.DELETE, moduleId: moduleId, ifMatchAny: true)
        try expect(response, [204])
    }

    /// `https://{gatewayHost}[:port]/devices/{deviceId}/modules[/{moduleId}]?api-version=…`.
    func url(moduleId: String?) -> String {
        var url = "https://\(device.gatewayHost)\(port == 443 ? "" : ":\(port)")/devices/\(CloudSASToken.pathSegmentEncode(device.deviceId))/modules"
        if let moduleId { url += "/\(CloudSASToken.pathSegmentEncode(moduleId))" }
        return url + "?api-version=\(Self.apiVersion)"
    }

    private func send(_ method: HTTPMethod, moduleId: String?, body: HubModule? = nil, ifMatchAny: Bool = false) async throws -> CloudHTTPClient.Response {
        var request = CloudHTTPClient.Request(method: method, url: url(moduleId: moduleId))
        if ifMatchAny { request.headers.append(("If-Match", "*")) }
        if let body { request.body = body.jsonBytes }
        let credentials = device.credentials
        let keys = keys
        let audience = CloudSASToken.Audience.hub(hostname: device.hubName, deviceId: device.deviceId)
        request.authorization = { try await credentials.authorization(for: audience, keys: keys) }
        return try await http.send(request, identity: device.tlsIdentity)
    }

    /// Throws unless the status is one of `expected`, with Hub's error classification.
    private func expect(_ response: CloudHTTPClient.Response, _ expected: [Int]) throws(CloudError) {
        guard !expected.contains(response.status) else { return }
        let error = try? response.decodeJSON(HubErrorBody.self)
        let message = error?.message ?? (response.body.isEmpty ? "HTTP error \(response.status)" : response.bodyText)
        if response.status == 500 || error?.networkError == true {
            throw CloudError(.network, message)
        }
        guard response.status >= 400 else {
            throw CloudError(.invalidResponse, "expected one of \(expected), got \(response.status)")
        }
        throw CloudError(.service(status: response.status), message)
    }
}

/// IoT Hub's error body: `{"Message": …}` (or `errorMessage` from a parent edgeHub), optionally `networkError`.
struct HubErrorBody: Decodable {
    var message: String?
    var networkError: Bool?

    enum CodingKeys: String, CodingKey {
        case message = "Message"
        case errorMessage
        case networkError
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        message = try container.decodeIfPresent(String.self, forKey: .message) ?? container.decodeIfPresent(String.self, forKey: .errorMessage)
        networkError = try container.decodeIfPresent(Bool.self, forKey: .networkError)
    }
}
