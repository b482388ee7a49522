import Foundation
import MQTTTestSupport
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A small HTTP/1.1 server for tests, on a Unix socket (a stand-in engine) or on 127.0.0.1 (a stand-in registry):
/// records requests, answers through a closure, and counts open connections.
final class TestHTTPServer: Sendable {
    struct Request: Sendable {
        var method: HTTPMethod
        var uri: String
        var headers: HTTPHeaders
        var body: [UInt8]
    }

    enum Reply: Sendable {
        /// A whole answer with Content-Length.
        case full(HTTPResponseStatus, [(String, String)], [UInt8])
        /// A chunked answer: each element one HTTP chunk, written and flushed on its own, `gap` apart; `thenForever`
        /// keeps sending that chunk every `gap` until the client goes away.
        case chunks(HTTPResponseStatus, [(String, String)], [[UInt8]], gap: Duration, thenForever: [UInt8]?)
        /// No answer at all (the connection stays open).
        case never
    }

    private let channel: any Channel
    private let state: State
    /// `unix:…` path or TCP port.
    let socketPath: String?
    let port: Int?

    final class State: Sendable {
        let requests = Mutex<[Request]>([])
        let open = Mutex(0)
        /// Body bytes the kernel has taken (write completed), over all connections.
        let written = Mutex(0)
        let handler: @Sendable (Request) -> Reply
        init(handler: @escaping @Sendable (Request) -> Reply) { self.handler = handler }
    }

    var requests: [Request] { state.requests.withLock { $0 } }
    var openConnections: Int { state.open.withLock { $0 } }
    var bodyBytesWritten: Int { state.written.withLock { $0 } }

    private init(channel: any Channel, state: State, socketPath: String?, port: Int?) {
        self.channel = channel
        self.state = state
        self.socketPath = socketPath
        self.port = port
    }

    static func start(unixSocket path: String? = nil, handler: @escaping @Sendable (Request) -> Reply) async throws -> TestHTTPServer {
        let state = State(handler: handler)
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(Handler(state: state))
                }
            }
        if let path {
            let channel = try await bootstrap.bind(unixDomainSocketPath: path, cleanupExistingSocketFile: true).get()
            return TestHTTPServer(channel: channel, state: state, socketPath: path, port: nil)
        }
        let channel = try await bootstrap.bind(host: "127.0.0.1", port: 0).get()
        return TestHTTPServer(channel: channel, state: state, socketPath: nil, port: channel.localAddress?.port)
    }

    func stop() async {
        try? await channel.close()
        if let socketPath { try? FileManager.default.removeItem(atPath: socketPath) }
    }

    private final class Handler: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart

        let state: State
        var request: Request?

        init(state: State) { self.state = state }

        func channelActive(context: ChannelHandlerContext) {
            state.open.withLock { $0 += 1 }
            context.fireChannelActive()
        }

        func channelInactive(context: ChannelHandlerContext) {
            state.open.withLock { $0 -= 1 }
            context.fireChannelInactive()
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            // Garbage such as a TLS ClientHello from a client trying HTTPS first.
            context.close(promise: nil)
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                request = Request(method: head.method, uri: head.uri, headers: head.headers, body: [])
            case .body(let chunk):
                request?.body += chunk.readableBytesView
            case .end:
                guard let request else { return }
                self.request = nil
                state.requests.withLock { $0.append(request) }
                respond(context: context, state.handler(request), method: request.method)
            }
        }

        private func respond(context: ChannelHandlerContext, _ reply: Reply, method: HTTPMethod) {
            switch reply {
            case .full(let status, let headers, let body):
                var head = HTTPResponseHead(version: .http1_1, status: status, headers: HTTPHeaders(headers))
                head.headers.replaceOrAdd(name: "Content-Length", value: "\(body.count)")
                context.write(wrapOutboundOut(.head(head)), promise: nil)
                if method != .HEAD, !body.isEmpty { context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: body)))), promise: nil) }
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            case .chunks(let status, let headers, let chunks, let gap, let forever):
                var head = HTTPResponseHead(version: .http1_1, status: status, headers: HTTPHeaders(headers))
                head.headers.replaceOrAdd(name: "Transfer-Encoding", value: "chunked")
                context.writeAndFlush(wrapOutboundOut(.head(head)), promise: nil)
                let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
                Self.send(loopBound, chunks[...], gap: gap, forever: forever)
            case .never:
                break
            }
        }

        private static func send(_ bound: NIOLoopBound<(Handler, ChannelHandlerContext)>, _ rest: ArraySlice<[UInt8]>, gap: Duration, forever: [UInt8]?) {
            let (handler, context) = bound.value
            guard context.channel.isActive else { return }
            var rest = rest
            if let next = rest.popFirst() ?? forever {
                let state = handler.state
                context.writeAndFlush(handler.wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: next))))).whenSuccess {
                    state.written.withLock { $0 += next.count }
                }
            } else {
                context.writeAndFlush(handler.wrapOutboundOut(.end(nil)), promise: nil)
                return
            }
            let rest2 = rest
            context.eventLoop.scheduleTask(in: .nanoseconds(Int64(gap.components.seconds * 1_000_000_000 + gap.components.attoseconds / 1_000_000_000))) {
                send(bound, rest2, gap: gap, forever: forever)
            }
        }
    }
}
