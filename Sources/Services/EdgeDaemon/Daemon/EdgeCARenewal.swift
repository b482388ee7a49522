import AziotConfig
public import CertService
import Foundation
public import Logging
import X509

/// Renews the Edge CA when its renewal policy says (§3.6) and then restarts every module (other modules first,
/// edgeAgent last) so that they fetch server certificates from the new CA.
public struct EdgeCARenewal: Sendable {
    public let edgeCA: EdgeCA
    public let current: EdgeCA.Current
    public let onRenewed: @Sendable (EdgeCA.Current) async -> Void
    public let logger: Logger

    public init(edgeCA: EdgeCA, current: EdgeCA.Current, onRenewed: @escaping @Sendable (EdgeCA.Current) async -> Void, logger: Logger) {
        self.edgeCA = edgeCA
        self.current = current
        self.onRenewed = onRenewed
        self.logger = logger
    }

    /// Sleeps until the CA is due, renews it, and repeats; a failed renewal is retried per the policy's `retry`.
    public func run() async throws {
        var certificate = current.certificate
        while !Task.isCancelled {
            let due = edgeCA.nextRenewal(of: certificate)
            let wait = max(0, due.timeIntervalSinceNow)
            logger.info("Edge CA \(edgeCA.certId) renewal due at \(RFC3339.format(due))")
            try await Task.sleep(for: .seconds(min(wait, 30 * 86_400)))
            guard Date() >= due else { continue }
            do {
                let renewed = try await edgeCA.renew()
                certificate = renewed.certificate
                await onRenewed(renewed)
                // A policy under which even a new certificate is due at once must not renew in a tight loop.
                if edgeCA.nextRenewal(of: certificate) <= Date() { try await Task.sleep(for: .seconds(60)) }
            } catch is CancellationError {
                return
            } catch {
                let retry = edgeCA.renewal.retryInterval(notBefore: certificate.notValidBefore, notAfter: certificate.notValidAfter)
                logger.warning("Could not renew the Edge CA: \(error); retrying in \(Int(retry)) s")
                try await Task.sleep(for: .seconds(max(60, retry)))
            }
        }
    }
}
