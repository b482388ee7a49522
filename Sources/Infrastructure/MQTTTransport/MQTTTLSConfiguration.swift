public import NIOSSL

/// Builds the TLS settings MQTT endpoints use: TLS 1.2 and 1.3 offered (the Python device SDK speaks only
/// 1.2), PEM files from disk, and optional client certificates.
public enum MQTTTLSConfiguration {
    /// How a server treats client certificates.
    public enum ClientCertificates: Sendable, Hashable {
        /// Not requested.
        case none
        /// Requested; any presented chain is accepted in the handshake and handed to the authenticator,
        /// which decides (thumbprint or CA checks), as IoT Hub and edgeHub do.
        case optional
        /// Requested and required to chain to `trustRoots` during the handshake.
        case required(trustRootsPEMFile: String)
    }

    /// A server configuration from a PEM certificate chain (leaf first) and a PEM private key.
    public static func server(
        certificateChainPEMFile: String,
        privateKeyPEMFile: String,
        clientCertificates: ClientCertificates = .none
    ) throws -> TLSConfiguration {
        let chain = try NIOSSLCertificate.fromPEMFile(certificateChainPEMFile).map { NIOSSLCertificateSource.certificate($0) }
        let key = try NIOSSLPrivateKey(file: privateKeyPEMFile, format: .pem)
        var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        configuration.maximumTLSVersion = .tlsv13
        switch clientCertificates {
        case .none:
            configuration.certificateVerification = .none
        case .optional:
            configuration.certificateVerification = .optionalVerification
        case .required(let trustRoots):
            configuration.certificateVerification = .noHostnameVerification
            configuration.trustRoots = .file(trustRoots)
        }
        return configuration
    }

    /// A client configuration trusting the CA certificates in `trustRootsPEMFile` (the system roots when nil),
    /// optionally presenting a client certificate.
    public static func client(
        trustRootsPEMFile: String?,
        certificateChainPEMFile: String? = nil,
        privateKeyPEMFile: String? = nil
    ) throws -> TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = .tlsv12
        if let trustRootsPEMFile {
            configuration.trustRoots = .file(trustRootsPEMFile)
        }
        if let certificateChainPEMFile, let privateKeyPEMFile {
            configuration.certificateChain = try NIOSSLCertificate.fromPEMFile(certificateChainPEMFile).map { .certificate($0) }
            configuration.privateKey = .privateKey(try NIOSSLPrivateKey(file: privateKeyPEMFile, format: .pem))
        }
        return configuration
    }
}
