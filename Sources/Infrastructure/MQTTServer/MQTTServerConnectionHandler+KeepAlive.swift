import Logging
import NIOCore

/// The connection's timers: the connect timeout, and keep-alive at 1.5 × the client's value (bounded by
/// `maxKeepAlive`), where a pause in reading caused by back-pressure counts as activity.
extension MQTTServerConnectionHandler {
    func armConnectTimeout(context: ChannelHandlerContext) {
        guard timer == nil, case .awaitingConnect = state else { return }
        let timeout = configuration.connectTimeout
        timer = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) {
            guard case .awaitingConnect = self.state else { return }
            self.logger.info("closing connection: no CONNECT within \(timeout.nanoseconds / 1_000_000_000) s")
            self.closeConnection(context: context)
        }
    }

    func armKeepAlive(seconds: UInt16, context: ChannelHandlerContext) {
        var timeout: TimeAmount? = seconds == 0 ? nil : .milliseconds(Int64(seconds) * 1500)
        if let maximum = configuration.maxKeepAlive {
            timeout = min(timeout ?? maximum, maximum)
        }
        keepAliveTimeout = timeout
        guard let timeout else { return }
        scheduleKeepAliveCheck(at: lastActivity + timeout, context: context)
    }

    private func scheduleKeepAliveCheck(at deadline: NIODeadline, context: ChannelHandlerContext) {
        timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) {
            guard case .connected = self.state, let timeout = self.keepAliveTimeout else { return }
            let expiry = self.lastActivity + timeout
            if expiry > .now() {
                self.scheduleKeepAliveCheck(at: expiry, context: context)
            } else if self.readPending {
                // The server stopped reading this client (back-pressure): what it sent is still unread, so its
                // silence proves nothing. The pause counts as activity.
                self.lastActivity = .now()
                self.scheduleKeepAliveCheck(at: self.lastActivity + timeout, context: context)
            } else {
                self.logger.info("closing connection: keep-alive expired (nothing received for \(timeout.nanoseconds / 1_000_000) ms)")
                self.closeConnection(context: context)
            }
        }
    }
}
