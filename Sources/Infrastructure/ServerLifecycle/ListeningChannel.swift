public import NIOCore
import ServiceLifecycle
import Synchronization

/// A server's bound listener and the lifecycle a `Service` needs around it: close it once on stop, and keep
/// `run()` alive until the listener closes, graceful shutdown is requested or the task is cancelled.
/// Shared by every server we run (MQTT, HTTP over Unix sockets) so they stop the same way.
public final class ListeningChannel: Sendable {
    private let channel = Mutex<(any Channel)?>(nil)

    public init() {}

    /// Records the bound listener.
    public func set(_ channel: any Channel) {
        self.channel.withLock { $0 = channel }
    }

    /// The listener's address, while it is bound.
    public var localAddress: SocketAddress? { channel.withLock { $0?.localAddress } }

    /// Closes the listener if it is open. Open connections finish on their own.
    public func close() async {
        let channel = self.channel.withLock { channel in
            defer { channel = nil }
            return channel
        }
        try? await channel?.close()
    }

    /// Waits until the listener closes; graceful shutdown or cancellation closes it.
    public func runUntilShutdown() async {
        await withGracefulShutdownHandler {
            await withTaskCancellationHandler {
                let closed = self.channel.withLock { $0?.closeFuture }
                try? await closed?.get()
            } onCancel: {
                Task { await self.close() }
            }
        } onGracefulShutdown: {
            Task { await self.close() }
        }
    }
}
