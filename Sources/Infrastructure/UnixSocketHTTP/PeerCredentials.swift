#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import NIOCore

/// The identity of the process on the other end of a Unix socket connection, read once per connection with
/// `SO_PEERCRED` and attached to every request on it. Authorization decisions use ``uid`` only.
public struct PeerCredentials: Sendable, Hashable, CustomStringConvertible {
    /// The peer's process id at the time it connected.
    public var pid: Int32
    /// The peer's effective user id.
    public var uid: UInt32
    /// The peer's effective group id.
    public var gid: UInt32

    public init(pid: Int32, uid: UInt32, gid: UInt32) {
        self.pid = pid
        self.uid = uid
        self.gid = gid
    }

    public var description: String { "uid=\(uid) pid=\(pid)" }

    /// Reads `SO_PEERCRED` from a connected Unix socket channel.
    static func read(from channel: any Channel) -> EventLoopFuture<PeerCredentials> {
        guard let provider = channel as? any SocketOptionProvider else {
            return channel.eventLoop.makeFailedFuture(
                UnixSocketHTTPError(.peerCredentials, "the channel \(type(of: channel)) has no socket options; serve over a Unix socket")
            )
        }
        #if os(Linux)
        let future: EventLoopFuture<RawUCred> = provider.unsafeGetSocketOption(
            level: SocketOptionLevel(SOL_SOCKET),
            name: SocketOptionName(SO_PEERCRED)
        )
        return future.map { PeerCredentials(pid: $0.pid, uid: $0.uid, gid: $0.gid) }
        #else
        return channel.eventLoop.makeFailedFuture(UnixSocketHTTPError(.peerCredentials, "SO_PEERCRED is only available on Linux"))
        #endif
    }
}

/// Layout-compatible stand-in for Linux's `struct ucred`, which Swift's Glibc module does not expose.
struct RawUCred: Sendable {
    var pid: Int32
    var uid: UInt32
    var gid: UInt32
}
