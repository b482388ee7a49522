import Foundation
import IoTHubProtocol
import Logging
import NIOHTTP1

/// The Device Provisioning Service registration (§4.4), REST `api-version=2021-06-01`:
/// 1. `PUT {endpoint}/{scopeId}/registrations/{registrationId}/register` with `{"registrationId", "payload"?}`,
///    authenticated by a SAS token (audience `{scopeId}/registrations/{registrationId}`, `skn=registration`) or mutual
///    TLS; the answer is `202 {"operationId"}`;
/// 2. after ``CloudClientOptions/dpsPollInterval``, `GET …/operations/{operationId}` every interval until `status` is
///    `assigned` (`registrationState` has `assignedHub`, `deviceId`, `payload`?) or `failed` (`errorCode`,
///    `errorMessage`). There is no overall deadline, as in the reference.
struct DPSClient: Sendable {
    static let apiVersion = "2021-06-01"

    let http: CloudHTTPClient
    /// `global_endpoint`; only its scheme, host and port are used.
    let endpoint: String
    let pollInterval: Duration
    let logger: Logger

    struct Assignment: Sendable, Equatable {
        var assignedHub: String
        var deviceId: String
        var payload: JSONValue?
    }

    func register(
        scopeId: String,
        registrationId: String,
        payload: JSONValue?,
        credentials: DeviceCredentials,
        keys: any IdentityKeyClient
    ) async throws -> Assignment {
        let base = try baseURL()
        let registrationPath = "\(base)/\(CloudSASToken.pathSegmentEncode(scopeId))/registrations/\(CloudSASToken.pathSegmentEncode(registrationId))"
        let audience = CloudSASToken.Audience.registration(scopeId: scopeId, registrationId: registrationId)
        let authorization: @Sendable () async throws -> String? = { try await credentials.authorization(for: audience, keys: keys) }
        let identity: TLSClientIdentity? = if case .x509(_, _, let identity) = credentials { identity } else { nil }

        var body: JSONObject = ["registrationId": .string(registrationId)]
        if let payload { body["payload"] = payload }
        var register = CloudHTTPClient.Request(method: .PUT, url: "\(registrationPath)/register?api-version=\(Self.apiVersion)")
        register.body = Array(JSONValue.object(body).jsonString.utf8)
        register.authorization = authorization
        logger.info("Sending DPS registration request.")
        let response = try await http.send(register, identity: identity)
        try Self.expect(response, [202, 200])
        let operationId = try response.decodeJSON(OperationStatus.self).operationId

        let statusURL = "\(registrationPath)/operations/\(CloudSASToken.pathSegmentEncode(operationId))?api-version=\(Self.apiVersion)"
        while true {
            try await Task.sleep(for: pollInterval)
            logger.info("Checking DPS registration status.")
            var poll = CloudHTTPClient.Request(method: .GET, url: statusURL)
            poll.authorization = authorization
            let status = try await http.send(poll, identity: identity)
            try Self.expect(status, [200, 202])
            let registration = try status.decodeJSON(RegistrationOperation.self)
            switch registration.status.lowercased() {
            case "assigned":
                guard let hub = registration.registrationState?.assignedHub, let deviceId = registration.registrationState?.deviceId else {
                    throw CloudError(.invalidResponse, "DPS assigned the device without assignedHub and deviceId")
                }
                logger.info("Assigned to IoT hub: \(hub)")
                logger.info("DPS registration complete.")
                return Assignment(assignedHub: hub, deviceId: deviceId, payload: registration.registrationState?.payload)
            case "assigning", "unassigned":
                logger.info("DPS registration is still in progress.")
            default:
                let state = registration.registrationState
                let message = state?.errorMessage ?? "registration \(registration.status)"
                throw CloudError(.service(status: state?.errorCode ?? status.status), message)
            }
        }
    }

    /// `scheme://host[:port]` of the endpoint.
    func baseURL() throws(CloudError) -> String {
        guard let components = URLComponents(string: endpoint), let scheme = components.scheme, let host = components.host else {
            throw CloudError(.other, "invalid DPS endpoint \(endpoint)")
        }
        return "\(scheme)://\(host)\(components.port.map { ":\($0)" } ?? "")"
    }

    /// Throws unless the status is expected; DPS errors are `{"errorCode"|"code", "errorMessage"|"message"}`.
    static func expect(_ response: CloudHTTPClient.Response, _ expected: [Int]) throws(CloudError) {
        guard !expected.contains(response.status) else { return }
        guard response.status >= 400 else {
            throw CloudError(.invalidResponse, "expected one of \(expected), got \(response.status)")
        }
        let error = try? response.decodeJSON(DPSErrorBody.self)
        let message = error?.message ?? (response.body.isEmpty ? "HTTP error \(response.status)" : response.bodyText)
        throw CloudError(.service(status: response.status), message)
    }

    struct OperationStatus: Decodable {
        var operationId: String
    }

    struct RegistrationOperation: Decodable {
        struct State: Decodable {
            var assignedHub: String?
            var deviceId: String?
            var payload: JSONValue?
            var errorCode: Int?
            var errorMessage: String?

            enum CodingKeys: String, CodingKey {
                case assignedHub, deviceId, payload, errorCode, errorMessage, code, message
            }

            init(from decoder: any Decoder) throws {
                let container = try decoder.container(keyedBy: CodingKeys.self)
                assignedHub = try container.decodeIfPresent(String.self, forKey: .assignedHub)
                deviceId = try container.decodeIfPresent(String.self, forKey: .deviceId)
                payload = try container.decodeIfPresent(JSONValue.self, forKey: .payload)
                errorCode = try container.decodeIfPresent(Int.self, forKey: .errorCode) ?? container.decodeIfPresent(Int.self, forKey: .code)
                errorMessage = try container.decodeIfPresent(String.self, forKey: .errorMessage) ?? container.decodeIfPresent(String.self, forKey: .message)
            }
        }

        var status: String
        var registrationState: State?
    }

    struct DPSErrorBody: Decodable {
        var code: Int?
        var message: String?

        enum CodingKeys: String, CodingKey {
            case code, errorCode, message, errorMessage
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            code = try container.decodeIfPresent(Int.self, forKey: .errorCode) ?? container.decodeIfPresent(Int.self, forKey: .code)
            message = try container.decodeIfPresent(String.self, forKey: .errorMessage) ?? container.decodeIfPresent(String.self, forKey: .message)
        }
    }
}
