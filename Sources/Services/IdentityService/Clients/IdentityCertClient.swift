/// The certd operations identityd needs (§3.1). PEM values are strings; the certd client of the `AziotClients` target
/// conforms to it.
public protocol IdentityCertClient: Sendable {
    /// `POST /certificates` without an issuer: certd issues `certId` from the CSR by its `cert_issuance.<certId>`
    /// settings and returns the PEM chain, new certificate first.
    func createCertificate(id: String, csrPEM: String) async throws -> String
    /// `GET /certificates/{certId}`.
    func getCertificate(id: String) async throws -> String
    /// `PUT /certificates/{certId}`.
    func importCertificate(id: String, pem: String) async throws
    /// `DELETE /certificates/{certId}`.
    func deleteCertificate(id: String) async throws
}
