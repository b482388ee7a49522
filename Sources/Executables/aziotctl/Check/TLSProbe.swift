import Foundation
import NIOCore
import NIOPosix
import NIOTLS
import NIOSSL

/// Connects to `host:port` over TCP (directly or through an HTTP proxy's `CONNECT`) and completes a TLS
/// handshake that verifies the server's certificate and name, then closes the connection.
///
/// Trust: the system's CA store, or the PEM bundle named by `SSL_CERT_FILE` (as OpenSSL does) when it is set.
struct TLSProbe: Sendable {
    /// An HTTP proxy: `http://[user:password@]host[:port]`.
    struct Proxy: Sendable, Equatable {
        var host: String
        var port: Int
        /// `user:password`, sent as `Proxy-Authorization: Basic`.
        var credentials: String?

        init(parsing uri: String) throws(ProbeError) {
            // `host:port` alone means an HTTP proxy, as curl reads it.
            guard let components = URLComponents(string: uri.contains("://") ? uri : "http://" + uri), let host = components.host, !host.isEmpty else {
                throw ProbeError("\(uri) is not a proxy URI; expected http://host:port")
            }
            guard components.scheme == nil || components.scheme == "http" else {
                throw ProbeError("\(uri): only http:// proxies are supported")
            }
            self.host = host
            self.port = components.port ?? 80
            if let user = components.percentEncodedUser {
                let password = components.percentEncodedPassword ?? ""
                credentials = (user.removingPercentEncoding ?? user) + ":" + (password.removingPercentEncoding ?? password)
            } else {
                credentials = nil
            }
        }
    }

    struct ProbeError: Error, Sendable, CustomStringConvertible {
        var description: String
        /// What kind of failure, so the caller can say how to fix it.
        var stage: Stage = .other

        enum Stage: Sendable { case resolve, connect, proxy, handshake, timeout, other }

        init(_ description: String, stage: Stage = .other) {
            self.description = description
            self.stage = stage
        }
    }

    var host: String
    var port: Int
    var proxy: Proxy?
    var timeout: TimeAmount
    var environment: [String: String]

    func run() async throws(ProbeError) {
        let context: NIOSSLContext
        do {
            var configuration = TLSConfiguration.makeClientConfiguration()
            if let bundle = environment["SSL_CERT_FILE"], !bundle.isEmpty { configuration.trustRoots = .file(bundle) }
            context = try NIOSSLContext(configuration: configuration)
        } catch {
            throw ProbeError("could not set up TLS: \(error)")
        }
        let serverName = Self.isIPAddress(host) ? nil : host
        let group = MultiThreadedEventLoopGroup.singleton
        let done = group.next().makePromise(of: Void.self)
        let target = "\(host.contains(":") ? "[\(host)]" : host):\(port)"
        let proxy = self.proxy

        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(timeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let tls = { (pipeline: ChannelPipeline.SynchronousOperations) throws in
                        try pipeline.addHandler(NIOSSLClientHandler(context: context, serverHostname: serverName))
                        try pipeline.addHandler(HandshakeWaiter(done: done))
                    }
                    if let proxy {
                        try channel.pipeline.syncOperations.addHandler(ProxyConnectHandler(target: target, credentials: proxy.credentials, done: done, then: tls))
                    } else {
                        try tls(channel.pipeline.syncOperations)
                    }
                }
            }

        let channel: any Channel
        do {
            channel = try await bootstrap.connect(host: proxy?.host ?? host, port: proxy?.port ?? port).get()
        } catch {
            done.fail(error)
            throw Self.connectError(error, host: proxy?.host ?? host, port: proxy?.port ?? port, viaProxy: proxy != nil)
        }
        let timeout = self.timeout
        let timer = channel.eventLoop.scheduleTask(in: timeout) {
            done.fail(ProbeError("no TLS handshake within \(timeout.nanoseconds / 1_000_000_000) s", stage: .timeout))
        }
        defer {
            timer.cancel()
            channel.close(promise: nil)
        }
        do {
            try await done.futureResult.get()
        } catch let error as ProbeError {
            throw error
        } catch {
            throw ProbeError("the TLS handshake with \(target) failed: \(Self.describe(error))", stage: .handshake)
        }
    }

    static func isIPAddress(_ host: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, host, &v4) == 1 || inet_pton(AF_INET6, host, &v6) == 1
    }

    static func connectError(_ error: any Error, host: String, port: Int, viaProxy: Bool) -> ProbeError {
        let what = viaProxy ? "the proxy \(host):\(port)" : "\(host):\(port)"
        if let connection = error as? NIOConnectionError {
            if connection.connectionErrors.isEmpty {
                let dns = [connection.dnsAError, connection.dnsAAAAError].compactMap { $0 }.map { describe($0) }
                return ProbeError("could not resolve \(host)\(dns.isEmpty ? "" : ": " + dns[0])", stage: .resolve)
            }
            let reasons = connection.connectionErrors.map { "\($0.target): \(describe($0.error))" }
            return ProbeError("could not connect to \(what) (\(reasons.joined(separator: "; ")))", stage: .connect)
        }
        if case ChannelError.connectTimeout = error {
            return ProbeError("could not connect to \(what): no answer (connection attempt timed out)", stage: .timeout)
        }
        return ProbeError("could not connect to \(what): \(describe(error))", stage: .connect)
    }

    static func describe(_ error: any Error) -> String {
        if let io = error as? IOError { return String(cString: strerror(io.errnoCode)) }
        if let ssl = error as? NIOSSLError, case .handshakeFailed(let inner) = ssl { return "\(inner)" }
        return "\(error)"
    }
}

/// Completes `done` when the TLS handshake finishes, or fails it with the first error or an early close.
private final class HandshakeWaiter: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer

    private let done: EventLoopPromise<Void>

    init(done: EventLoopPromise<Void>) { self.done = done }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? TLSUserEvent, case .handshakeCompleted = event { done.succeed(()) }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        done.fail(error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        done.fail(TLSProbe.ProbeError("the server closed the connection during the TLS handshake", stage: .handshake))
        context.fireChannelInactive()
    }
}

/// Sends `CONNECT target` to an HTTP proxy and, once it answers 2xx, replaces itself with the TLS handlers.
private final class ProxyConnectHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let target: String
    private let credentials: String?
    private let done: EventLoopPromise<Void>
    private let then: (ChannelPipeline.SynchronousOperations) throws -> Void
    private var received: [UInt8] = []
    private var sent = false

    init(
        target: String, credentials: String?, done: EventLoopPromise<Void>,
        then: @escaping (ChannelPipeline.SynchronousOperations) throws -> Void
    ) {
        self.target = target
        self.credentials = credentials
        self.done = done
        self.then = then
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { sendRequest(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        sendRequest(context)
        context.fireChannelActive()
    }

    private func sendRequest(_ context: ChannelHandlerContext) {
        guard !sent else { return }
        sent = true
        var request = "CONNECT \(target) HTTP/1.1\r\nHost: \(target)\r\n"
        if let credentials { request += "Proxy-Authorization: Basic \(Data(credentials.utf8).base64EncodedString())\r\n" }
        request += "\r\n"
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(string: request)), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        received += buffer.readBytes(length: buffer.readableBytes) ?? []
        guard let end = Self.headerEnd(received) else {
            if received.count > 16_384 { fail(context, "the proxy's answer to CONNECT has no end") }
            return
        }
        let head = String(decoding: received[..<end], as: UTF8.self)
        let statusLine = head.split(separator: "\r\n", maxSplits: 1).first.map(String.init) ?? head
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, let status = Int(parts[1]) else {
            return fail(context, "the proxy answered CONNECT with \"\(statusLine)\"")
        }
        guard (200..<300).contains(status) else {
            return fail(context, "the proxy refused CONNECT \(target): \(statusLine)")
        }
        do {
            let pipeline = context.pipeline.syncOperations
            try then(pipeline)
            pipeline.removeHandler(context: context, promise: nil)
        } catch {
            done.fail(error)
            context.close(promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(context, "the connection to the proxy failed: \(TLSProbe.describe(error))")
    }

    func channelInactive(context: ChannelHandlerContext) {
        done.fail(TLSProbe.ProbeError("the proxy closed the connection before answering CONNECT", stage: .proxy))
        context.fireChannelInactive()
    }

    private func fail(_ context: ChannelHandlerContext, _ message: String) {
        done.fail(TLSProbe.ProbeError(message, stage: .proxy))
        context.close(promise: nil)
    }

    private static func headerEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for index in 0...(bytes.count - 4) where bytes[index] == 13 && bytes[index + 1] == 10 && bytes[index + 2] == 13 && bytes[index + 3] == 10 {
            return index
        }
        return nil
    }
}
