import CertService
public import X509

extension EdgeCASubject {
    /// The distinguished name of the CA's CSR (common names cut to 64 characters).
    public func distinguishedName() throws -> DistinguishedName {
        switch self {
        case .commonName(let name): try CertificateIssuer.distinguishedName(.commonName(name))
        case .attributes(let attributes): try CertificateIssuer.distinguishedName(.attributes(attributes))
        }
    }
}
