import NIOHTTP1
public import UnixSocketHTTP

/// aziot-certd's HTTP API (`api-version=2020-09-01`): create from CSR and import answer `201`, read `200`,
/// delete `204`.
public enum CertServiceAPI {
    public static let apiVersion: APIVersion = "2020-09-01"

    struct CreateRequest: Decodable {
        struct Issuer: Decodable {
            let certId: String
            let privateKeyHandle: String
        }
        let certId: String
        let csr: String
        let issuer: Issuer?
    }

    struct PEMBody: Codable {
        let pem: String
    }

    public static func router(_ service: CertService) -> HTTPRouter {
        var router = HTTPRouter(knownVersions: [apiVersion])
        router.add(HTTPRoute(.POST, "/certificates", since: apiVersion) { request in
            let body = try request.decodeJSON(CreateRequest.self)
            let pem = try await service.create(
                certId: body.certId,
                csrPEM: body.csr,
                issuer: body.issuer.map { CertService.NamedIssuer(certId: $0.certId, privateKeyHandle: $0.privateKeyHandle) },
                uid: request.peer.uid
            )
            return try .json(PEMBody(pem: pem), status: .created)
        })
        router.add(HTTPRoute(.GET, "/certificates/{certId}", since: apiVersion) { request in
            try .json(PEMBody(pem: try await service.get(certId: request.parameters["certId"] ?? "")))
        })
        router.add(HTTPRoute(.PUT, "/certificates/{certId}", since: apiVersion) { request in
            let body = try request.decodeJSON(PEMBody.self)
            let pem = try await service.importCertificate(certId: request.parameters["certId"] ?? "", pem: body.pem, uid: request.peer.uid)
            return try .json(PEMBody(pem: pem), status: .created)
        })
        router.add(HTTPRoute(.DELETE, "/certificates/{certId}", since: apiVersion) { request in
            try await service.delete(certId: request.parameters["certId"] ?? "", uid: request.peer.uid)
            return .noContent
        })
        return router
    }
}
