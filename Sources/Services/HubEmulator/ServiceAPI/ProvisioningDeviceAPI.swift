import Foundation
import HTTPTypes
import Hummingbird
import IoTHubProtocol

/// DPS's device registration REST API (`api-version=2021-06-01`), served on the emulator's HTTPS listener beside the
/// service API (devices reach it as `https://{dps host}/…`):
/// - `PUT /{idScope}/registrations/{registrationId}/register` → `202 {"operationId", "status": "assigning"}`;
/// - `GET /{idScope}/registrations/{registrationId}/operations/{operationId}` → `200 {"operationId", "status":
///   "assigned", "registrationState": {…}}`;
/// - `POST /{idScope}/registrations/{registrationId}` → `200` the registration state.
///
/// Each request authenticates itself (SAS token or TLS client certificate, see ``DeviceProvisioning``); errors are
/// DPS's JSON (``ProvisioningServiceError``).
struct ProvisioningDeviceAPI: Sendable {
    let provisioning: DeviceProvisioning

    func addRoutes(to router: Router<EmulatorRequestContext>) {
        let provisioning = self.provisioning
        router.put(":idScope/registrations/:registrationId/register") { request, context in
            try await ProvisioningServiceError.answering {
                try Self.requireAPIVersion(request)
                let body = try await ServiceAPI.json(request)
                let operation = try await provisioning.register(
                    idScope: try ServiceAPI.parameter("idScope", in: context),
                    registrationId: try ServiceAPI.parameter("registrationId", in: context),
                    body: body,
                    credentials: await Self.credentials(request, context))
                var response = ServiceAPI.json(operation.json, status: .accepted)
                response.headers[HTTPField.Name("Retry-After")!] = "1"
                return response
            }
        }
        router.get(":idScope/registrations/:registrationId/operations/:operationId") { request, context in
            try await ProvisioningServiceError.answering {
                try Self.requireAPIVersion(request)
                let operation = try await provisioning.operationStatus(
                    idScope: try ServiceAPI.parameter("idScope", in: context),
                    registrationId: try ServiceAPI.parameter("registrationId", in: context),
                    operationId: try ServiceAPI.parameter("operationId", in: context),
                    credentials: await Self.credentials(request, context))
                return ServiceAPI.json(operation.json)
            }
        }
        router.post(":idScope/registrations/:registrationId") { request, context in
            try await ProvisioningServiceError.answering {
                try Self.requireAPIVersion(request)
                let state = try await provisioning.registrationStatus(
                    idScope: try ServiceAPI.parameter("idScope", in: context),
                    registrationId: try ServiceAPI.parameter("registrationId", in: context),
                    credentials: await Self.credentials(request, context))
                return ServiceAPI.json(state.json)
            }
        }
    }

    static func credentials(_ request: Request, _ context: EmulatorRequestContext) async -> DeviceProvisioning.Credentials {
        DeviceProvisioning.Credentials(authorization: request.headers[.authorization], certificates: await context.peerCertificates())
    }

    /// DPS requires `api-version` (the emulator accepts any value, e.g. identityd's `2021-06-01`).
    static func requireAPIVersion(_ request: Request) throws(HubError) {
        guard let version = request.uri.queryParameters.get("api-version"), !version.isEmpty else {
            throw HubError(.argumentInvalid, "the api-version query parameter is required (e.g. api-version=2021-06-01)")
        }
    }
}
