import Logging
import SwiftASN1
import X509

extension IdentityService {
    /// The X.509 credential of the device (manual X.509 and DPS X.509): the stored certificate `certId` with key pair
    /// `keyId`; when certd has no such certificate and a subject is known, a fresh `rsa-2048:*` key pair (any stale one
    /// deleted first) and a certificate issued by certd from a CSR for `subject` (no extensions, SHA-256), as the
    /// reference does.
    func identityCredentials(certId: String, keyId: String, subject: CSRSubject?) async throws -> DeviceCredentials {
        let existingHandle: String? = try? await keys.loadKeyPair(id: keyId)
        let chainPEM: String
        let key: KeydKeyPair
        if let pem = try? await certs.getCertificate(id: certId) {
            guard let existingHandle else {
                throw IdentityServiceError.internal("identity certificate \(certId) exists but key pair \(keyId) cannot be loaded from keyd")
            }
            chainPEM = pem
            key = try await internalError("could not load identity key \(keyId)") { try await KeydKeyPair.load(handle: existingHandle, keys: keys) }
        } else {
            guard let subject else {
                throw IdentityServiceError.internal("identity cert does not exist; cannot create new cert as registration ID is unknown")
            }
            key = try await internalError("could not create identity key \(keyId)") {
                if let existingHandle { try await keys.deleteKeyPair(handle: existingHandle) }
                let handle = try await keys.createKeyPairIfNotExists(id: keyId, preferredAlgorithms: "rsa-2048:*")
                return try await KeydKeyPair.load(handle: handle, keys: keys)
            }
            chainPEM = try await internalError("could not create certificate \(certId)") {
                let csr = try await CertificateSigningRequest(
                    version: .v1,
                    subject: try Self.distinguishedName(subject),
                    asyncPrivateKey: Certificate.PrivateKey(key),
                    attributes: CertificateSigningRequest.Attributes(),
                    signatureAlgorithm: key.defaultSignatureAlgorithm
                )
                return try await certs.createCertificate(id: certId, csrPEM: try csr.serializeAsPEM().pemString + "\n")
            }
            logger.info("Created identity certificate \(certId) for \(subject.commonName).")
        }
        guard (try? PEMDocument.parseMultiple(pemString: chainPEM).contains { $0.discriminator == "CERTIFICATE" }) == true else {
            throw IdentityServiceError.internal("no certs in stack for \(certId)")
        }
        return .x509(certId: certId, keyId: keyId, identity: TLSClientIdentity(certificateChainPEM: chainPEM, key: key))
    }

    /// Runs `body`, turning any failure into an internal error whose log text starts with `what`.
    func internalError<T: Sendable>(_ what: String, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch {
            throw IdentityServiceError.internal("\(what): \(error)")
        }
    }

    /// A CSR subject: the common name (cut to 64 characters) and the other attributes.
    static func distinguishedName(_ subject: CSRSubject) throws -> DistinguishedName {
        var names = [RelativeDistinguishedName(RelativeDistinguishedName.Attribute(type: .RDNAttributeType.commonName, utf8String: String(subject.commonName.prefix(64))))]
        for attribute in subject.otherAttributes {
            guard let oid = attributeOIDs[attribute.name] else {
                throw IdentityServiceError.invalidParameter("subject", "unknown distinguished-name attribute \(attribute.name)")
            }
            names.append(RelativeDistinguishedName(RelativeDistinguishedName.Attribute(type: oid, utf8String: attribute.value)))
        }
        return DistinguishedName(names)
    }

    static let attributeOIDs: [String: ASN1ObjectIdentifier] = [
        "C": .RDNAttributeType.countryName,
        "ST": .RDNAttributeType.stateOrProvinceName,
        "L": .RDNAttributeType.localityName,
        "O": .RDNAttributeType.organizationName,
        "OU": .RDNAttributeType.organizationalUnitName,
        "STREET": .RDNAttributeType.streetAddress,
        "DC": .RDNAttributeType.domainComponent,
        "EMAILADDRESS": .RDNAttributeType.emailAddress,
    ]

    /// The first certificate of a PEM chain.
    static func leafCertificate(_ pem: String) throws -> Certificate {
        guard let document = try? PEMDocument.parseMultiple(pemString: pem).first(where: { $0.discriminator == "CERTIFICATE" }),
            let leaf = try? Certificate(pemDocument: document)
        else {
            throw IdentityServiceError.internal("the certificate chain is not PEM")
        }
        return leaf
    }

    /// The common name of the first certificate of a PEM chain.
    static func commonName(ofLeafIn pem: String) throws -> String {
        let leaf = try leafCertificate(pem)
        for rdn in leaf.subject {
            for attribute in rdn where attribute.type == .RDNAttributeType.commonName {
                if let name = String(attribute.value), !name.isEmpty { return name }
            }
        }
        throw IdentityServiceError.internal("identity certificate missing common name")
    }

    // MARK: Module keys (§4.5)

    /// The handle of `aziot_identityd_master_id`, created on first use (`derive,sign`).
    func masterKeyHandle() async throws -> String {
        if let handle = try? await keys.loadKey(id: Self.masterKeyId) { return handle }
        return try await internalError("master identity key error") {
            try await keys.createKeyIfNotExists(id: Self.masterKeyId, usage: "derive,sign")
        }
    }

    /// The module's primary and secondary keys: HMAC-SHA256(master, "<moduleId>:<generationId>:primary|secondary"),
    /// as keyd derived-key handles and as exported bytes. A module without a generation id is not found.
    func derivedKeys(for module: HubModule) async throws -> (primaryHandle: String, primary: [UInt8], secondary: [UInt8]) {
        guard let generationId = module.generationId else { throw IdentityServiceError.moduleNotFound }
        let master = try await masterKeyHandle()
        return try await internalError("master identity key error") {
            let base = "\(module.moduleId):\(generationId)"
            let primaryHandle = try await keys.createDerivedKey(baseHandle: master, derivationData: Array("\(base):primary".utf8))
            let primary = try await keys.exportDerivedKey(handle: primaryHandle)
            let secondaryHandle = try await keys.createDerivedKey(baseHandle: master, derivationData: Array("\(base):secondary".utf8))
            let secondary = try await keys.exportDerivedKey(handle: secondaryHandle)
            return (primaryHandle, primary, secondary)
        }
    }
}
