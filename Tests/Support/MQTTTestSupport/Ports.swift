import NIOCore
import NIOPosix

/// A port that was free a moment ago on 127.0.0.1.
public func freePort() async throws -> Int {
    let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
    defer { channel.close(promise: nil) }
    return channel.localAddress!.port!
}

/// Whether something accepts TCP connections on 127.0.0.1:`port`.
public func canConnect(port: Int) async -> Bool {
    guard let channel = try? await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton).connect(host: "127.0.0.1", port: port).get() else {
        return false
    }
    channel.close(promise: nil)
    return true
}
