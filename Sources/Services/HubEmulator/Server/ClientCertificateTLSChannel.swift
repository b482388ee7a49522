import HummingbirdCore
import Logging
import NIOCore
import NIOSSL

/// TLS for the emulator's HTTPS listener: requests a client certificate without requiring one, accepts whatever chain
/// is presented in the handshake and keeps it in a ``PeerCertificateChainHandler`` for the request handlers (DPS X.509
/// attestation, mutual-TLS access of edge devices to their module identities). Requests without a certificate (the
/// service API with SAS tokens) are unaffected.
struct ClientCertificateTLSChannel<Base: ServerChildChannel>: ServerChildChannel {
    typealias Value = Base.Value

    let base: Base
    let sslContext: NIOSSLContext

    /// - Parameter configuration: the server's TLS settings; its client-certificate verification is set to optional.
    init(_ base: Base, configuration: TLSConfiguration) throws {
        var configuration = configuration
        configuration.certificateVerification = .optionalVerification
        self.base = base
        self.sslContext = try NIOSSLContext(configuration: configuration)
    }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            let chain = PeerCertificateChainHandler()
            let tls = NIOSSLServerHandler(context: sslContext) { certificates, promise in
                chain.record(certificates)
                promise.succeed(.certificateVerified)
            }
            try channel.pipeline.syncOperations.addHandler(tls)
            try channel.pipeline.syncOperations.addHandler(chain)
        }.flatMap {
            base.setup(channel: channel, logger: logger)
        }
    }

    func handle(value: Base.Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}
