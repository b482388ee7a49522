import Foundation
import Hummingbird
import IoTHubProtocol

/// DPS's service API for enrollments (`api-version=2021-06-01`), authenticated like the hub's service API:
/// - `PUT|GET|DELETE /enrollments/{registrationId}` and `POST /enrollments/query` (every enrollment);
/// - `PUT|GET|DELETE /enrollmentGroups/{enrollmentGroupId}` and `POST /enrollmentGroups/query`.
///
/// PUT creates or replaces (with `If-Match`, the enrollment must exist and match) and answers 200 with the stored
/// enrollment; DELETE answers 204. Answers name the emulator's hub as `iotHubHostName` and show X.509 certificates
/// as their `info` only. Errors are DPS's JSON (``ProvisioningServiceError``).
struct EnrollmentAPI: Sendable {
    let registry: HubRegistry
    let hubHostName: String

    func addRoutes(to group: RouterGroup<EmulatorRequestContext>) {
        let registry = self.registry
        let hub = hubHostName
        group.put("enrollments/:registrationId") { request, context in
            try await ProvisioningServiceError.answering {
                var enrollment = try IndividualEnrollment(json: try await Self.body(request, idMember: "registrationId", context: context))
                enrollment.registrationId = try ServiceAPI.parameter("registrationId", in: context)
                let saved = try await registry.createOrUpdateEnrollment(enrollment, ifMatch: ServiceAPI.ifMatch(request))
                return ServiceAPI.json(saved.json(iotHubHostName: hub))
            }
        }
        group.get("enrollments/:registrationId") { _, context in
            try await ProvisioningServiceError.answering {
                let enrollment = try await registry.enrollment(registrationId: try ServiceAPI.parameter("registrationId", in: context))
                return ServiceAPI.json(enrollment.json(iotHubHostName: hub))
            }
        }
        group.delete("enrollments/:registrationId") { request, context in
            try await ProvisioningServiceError.answering {
                try await registry.deleteEnrollment(
                    registrationId: try ServiceAPI.parameter("registrationId", in: context), ifMatch: ServiceAPI.ifMatch(request))
                return Response(status: .noContent)
            }
        }
        group.post("enrollments/query") { _, _ in
            try await ProvisioningServiceError.answering {
                ServiceAPI.json(.array(try await registry.enrollments().map { $0.json(iotHubHostName: hub) }))
            }
        }

        group.put("enrollmentGroups/:enrollmentGroupId") { request, context in
            try await ProvisioningServiceError.answering {
                var enrollmentGroup = try EnrollmentGroup(json: try await Self.body(request, idMember: "enrollmentGroupId", context: context))
                enrollmentGroup.enrollmentGroupId = try ServiceAPI.parameter("enrollmentGroupId", in: context)
                let saved = try await registry.createOrUpdateEnrollmentGroup(enrollmentGroup, ifMatch: ServiceAPI.ifMatch(request))
                return ServiceAPI.json(saved.json(iotHubHostName: hub))
            }
        }
        group.get("enrollmentGroups/:enrollmentGroupId") { _, context in
            try await ProvisioningServiceError.answering {
                let enrollmentGroup = try await registry.enrollmentGroup(try ServiceAPI.parameter("enrollmentGroupId", in: context))
                return ServiceAPI.json(enrollmentGroup.json(iotHubHostName: hub))
            }
        }
        group.delete("enrollmentGroups/:enrollmentGroupId") { request, context in
            try await ProvisioningServiceError.answering {
                try await registry.deleteEnrollmentGroup(
                    try ServiceAPI.parameter("enrollmentGroupId", in: context), ifMatch: ServiceAPI.ifMatch(request))
                return Response(status: .noContent)
            }
        }
        group.post("enrollmentGroups/query") { _, _ in
            try await ProvisioningServiceError.answering {
                ServiceAPI.json(.array(try await registry.enrollmentGroups().map { $0.json(iotHubHostName: hub) }))
            }
        }
    }

    /// The request body, whose id member (if sent) must name the path's enrollment; the path's id is filled in
    /// when the body leaves it out.
    private static func body(_ request: Request, idMember: String, context: EmulatorRequestContext) async throws -> JSONValue {
        let body = try await ServiceAPI.json(request)
        guard var object = body.objectValue else { throw HubError(.argumentInvalid, "the body must be a JSON object") }
        let pathId = try ServiceAPI.parameter(idMember, in: context)
        if let bodyId = object[idMember]?.stringValue, bodyId.lowercased() != pathId.lowercased() {
            throw HubError(.argumentInvalid, "the body's \(idMember) '\(bodyId)' differs from the path's '\(pathId)'")
        }
        object[idMember] = .string(pathId)
        return .object(object)
    }
}
