import MQTTProtocol
import NIOCore

/// The client end of one connection: completes the CONNACK promise, sends keep-alive pings, closes a connection
/// whose server stopped answering, and hands every other packet to the ``MQTTClient``.
final class MQTTClientChannelHandler: ChannelDuplexHandler {
    typealias InboundIn = MQTTPacket
    typealias OutboundIn = MQTTPacket
    typealias OutboundOut = MQTTPacket

    private let connack: EventLoopPromise<ConnAckPacket>
    private let keepAlive: TimeAmount?
    private let onPacket: (MQTTPacket, any Channel) -> Void
    private let onClose: (any Channel) -> Void
    private var lastWrite = NIODeadline.now()
    private var lastRead = NIODeadline.now()
    private var pingSentAt: NIODeadline?
    private var timer: Scheduled<Void>?

    init(
        connack: EventLoopPromise<ConnAckPacket>,
        keepAlive: UInt16,
        onPacket: @escaping (MQTTPacket, any Channel) -> Void,
        onClose: @escaping (any Channel) -> Void
    ) {
        self.connack = connack
        self.keepAlive = keepAlive == 0 ? nil : .seconds(Int64(keepAlive))
        self.onPacket = onPacket
        self.onClose = onClose
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        lastRead = .now()
        let packet = unwrapInboundIn(data)
        switch packet {
        case .connack(let ack):
            connack.succeed(ack)
            startKeepAlive(context: context)
        case .pingresp:
            pingSentAt = nil
        default:
            onPacket(packet, context.channel)
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        lastWrite = .now()
        context.write(data, promise: promise)
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        connack.fail(MQTTClientError(.connectionLost, "the connection closed before CONNACK"))
        onClose(context.channel)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        connack.fail(error)
        context.close(promise: nil)
    }

    private func startKeepAlive(context: ChannelHandlerContext) {
        guard let keepAlive, timer == nil else { return }
        scheduleKeepAliveCheck(in: .nanoseconds(max(keepAlive.nanoseconds / 4, 100_000_000)), keepAlive: keepAlive, context: context)
    }

    /// Pings when nothing was written or read for a keep-alive period; closes when a ping goes unanswered as long.
    private func scheduleKeepAliveCheck(in interval: TimeAmount, keepAlive: TimeAmount, context: ChannelHandlerContext) {
        timer = context.eventLoop.assumeIsolated().scheduleTask(in: interval) {
            let now = NIODeadline.now()
            if let sent = self.pingSentAt {
                if now - sent > keepAlive {
                    context.close(promise: nil)
                    return
                }
            } else if now - self.lastWrite >= keepAlive || now - self.lastRead >= keepAlive {
                self.pingSentAt = now
                context.writeAndFlush(self.wrapOutboundOut(.pingreq), promise: nil)
            }
            self.scheduleKeepAliveCheck(in: interval, keepAlive: keepAlive, context: context)
        }
    }
}
