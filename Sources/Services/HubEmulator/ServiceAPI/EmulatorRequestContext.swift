public import Hummingbird
import NIOCore
import NIOSSL
import X509

/// The request context of the emulator's HTTPS listener: Hummingbird's basics plus the connection, so that handlers
/// can read the TLS client certificate chain (see ``ClientCertificateTLSChannel``).
public struct EmulatorRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    let channel: (any Channel)?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }

    /// The certificate chain the client presented (leaf first, not validated); empty without one.
    func peerCertificates() async -> [Certificate] {
        guard let channel,
            let handler = try? await channel.pipeline.handler(type: PeerCertificateChainHandler.self).get()
        else { return [] }
        return CertificateChecks.certificates(from: handler.certificates)
    }
}
