import Foundation
import NIOCore
import NIOHTTP1
public import UnixSocketHTTP

/// aziot-identityd's HTTP API (§4.1): api-versions `2020-09-01`, `2021-12-01` and `2022-08-01` on every route, except
/// `/identities/provisioning`, which needs `2021-12-01` or later.
public enum IdentityServiceAPI {
    public static let v2020_09_01: APIVersion = "2020-09-01"
    public static let v2021_12_01: APIVersion = "2021-12-01"
    public static let v2022_08_01: APIVersion = "2022-08-01"
    public static let versions: Set<APIVersion> = [v2020_09_01, v2021_12_01, v2022_08_01]

    struct DeviceRequest: Decodable {
        let type: String
    }

    struct CreateModuleRequest: Decodable {
        struct LocalIdOptions: Decodable {
            let type: String
            let attributes: String?
        }
        let type: String
        let moduleId: String
        let localIdOpts: LocalIdOptions?
    }

    public static func router(_ service: IdentityService) -> HTTPRouter {
        var router = HTTPRouter(knownVersions: versions)
        router.add(HTTPRoute(.GET, "/identities/identity", since: v2020_09_01) { request in
            try await json(service.callerIdentity(uid: request.peer.uid))
        })
        router.add(HTTPRoute(.POST, "/identities/device", since: v2020_09_01) { request in
            _ = try request.decodeJSON(DeviceRequest.self)
            return try await json(service.deviceIdentity(uid: request.peer.uid))
        })
        router.add(HTTPRoute(.POST, "/identities/device/reprovision", since: v2020_09_01) { request in
            try requireJSONIfPresent(request)
            try await service.reprovisionDevice(uid: request.peer.uid)
            return .noContent
        })
        router.add(HTTPRoute(.GET, "/identities/provisioning", since: v2021_12_01) { _ in
            try await json(service.provisioningInfo())
        })
        router.add(HTTPRoute(.GET, "/identities/modules", since: v2020_09_01) { request in
            try await json(IdentityList(identities: service.moduleIdentities(uid: request.peer.uid, type: request.query["type"])))
        })
        router.add(HTTPRoute(.POST, "/identities/modules", since: v2020_09_01) { request in
            let body = try request.decodeJSON(CreateModuleRequest.self)
            var options: LocalIdentityOptions?
            if let opts = body.localIdOpts {
                guard opts.type == "x509" else {
                    throw HTTPError(.unprocessableEntity, "invalid request body: unknown localIdOpts type \(opts.type)")
                }
                guard let attributes = LocalIdentityOptions.Attributes(rawValue: opts.attributes ?? "client") else {
                    throw HTTPError(.unprocessableEntity, "invalid request body: unknown localIdOpts attributes \(opts.attributes ?? "")")
                }
                options = LocalIdentityOptions(attributes: attributes)
            }
            return try await json(
                service.createModuleIdentity(uid: request.peer.uid, type: body.type, moduleId: body.moduleId, localIdOptions: options))
        })
        router.add(HTTPRoute(.GET, "/identities/modules/{moduleId}", since: v2020_09_01) { request in
            try await json(service.moduleIdentity(uid: request.peer.uid, type: request.query["type"], moduleId: request.parameters["moduleId"] ?? ""))
        })
        router.add(HTTPRoute(.PUT, "/identities/modules/{moduleId}", since: v2020_09_01) { request in
            // A JSON body is required; its contents are ignored, as in the reference.
            _ = try request.decodeJSON(IgnoredJSON.self)
            return try await json(
                service.updateModuleIdentity(uid: request.peer.uid, type: request.query["type"], moduleId: request.parameters["moduleId"] ?? ""))
        })
        router.add(HTTPRoute(.DELETE, "/identities/modules/{moduleId}", since: v2020_09_01) { request in
            try await service.deleteModuleIdentity(uid: request.peer.uid, type: request.query["type"], moduleId: request.parameters["moduleId"] ?? "")
            return .noContent
        })
        router.add(HTTPRoute(.GET, "/trust-bundle", since: v2020_09_01) { request in
            try await json(TrustBundle(certificate: service.trustBundle(uid: request.peer.uid)))
        })
        return router
    }

    private static func json(_ value: some OrderedJSONRepresentable) -> HTTPServerResponse {
        HTTPServerResponse(status: .ok, headers: ["Content-Type": "application/json"], body: ByteBuffer(bytes: value.jsonBytes))
    }

    /// An optional body: absent, empty or of another content type is fine; a JSON one must parse (`422` otherwise).
    private static func requireJSONIfPresent(_ request: HTTPServerRequest) throws {
        guard let body = request.body, body.readableBytes > 0 else { return }
        if let contentType = request.headers["Content-Type"].first,
            contentType.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased() != "application/json"
        {
            return
        }
        _ = try request.decodeJSON(IgnoredJSON.self)
    }
}

/// Any JSON value, parsed and thrown away.
struct IgnoredJSON: Decodable {
    init(from decoder: any Decoder) throws {}
}
