import NIOCore
import NIOSSL
import Synchronization

/// Keeps the certificate chain a TLS client presented (leaf first, as sent, not validated) so that request handlers
/// can find it in the channel's pipeline. The handshake accepts any chain; whoever uses it decides what it proves.
final class PeerCertificateChainHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let chain = Mutex<[NIOSSLCertificate]>([])

    /// The presented chain (empty when the client sent no certificate).
    var certificates: [NIOSSLCertificate] { chain.withLock { $0 } }

    func record(_ certificates: [NIOSSLCertificate]) {
        chain.withLock { $0 = certificates }
    }
}
