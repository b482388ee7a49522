import Logging
import NIOCore
import NIOHTTP1

/// Collects one request at a time (the pipeline's `HTTPServerPipelineHandler` holds back pipelined ones), hands it
/// to the router, writes the response and closes the connection unless it is kept alive.
final class UnixSocketHTTPServerHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let router: HTTPRouter
    private let peer: PeerCredentials
    private let logger: Logger
    private let maxBodySize: Int
    private let bodyReadTimeout: TimeAmount
    private var bodyTimer: Scheduled<Void>?
    private var timedOut = false
    /// Set when the connection is over the per-uid limit: every request gets this answer and the connection closes.
    private let rejection: HTTPServerResponse?
    private var head: HTTPRequestHead?
    private var body: ByteBuffer?
    private var bodyTooLarge = false

    init(
        router: HTTPRouter,
        peer: PeerCredentials,
        logger: Logger,
        maxBodySize: Int,
        bodyReadTimeout: TimeAmount,
        rejection: HTTPServerResponse?
    ) {
        self.bodyReadTimeout = bodyReadTimeout
        self.router = router
        self.peer = peer
        self.logger = logger
        self.maxBodySize = maxBodySize
        self.rejection = rejection
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body = nil
            bodyTooLarge = false
            bodyTimer = context.eventLoop.assumeIsolated().scheduleTask(in: bodyReadTimeout) { [self] in
                bodyTimer = nil
                bodyTimedOut(context: context)
            }
        case .body(var chunk):
            guard !bodyTooLarge, !timedOut else { return }
            if (body?.readableBytes ?? 0) + chunk.readableBytes > maxBodySize {
                bodyTooLarge = true
                body = nil
            } else if body == nil {
                body = chunk
            } else {
                body!.writeBuffer(&chunk)
            }
        case .end:
            bodyTimer?.cancel()
            bodyTimer = nil
            guard let head, !timedOut else { return }
            self.head = nil
            handle(context: context, head: head)
        }
    }

    private func handle(context: ChannelHandlerContext, head: HTTPRequestHead) {
        let path = URLComponentsParser.split(head.uri).path
        // Log method and path only: headers and query strings may carry tokens.
        logger.info("<-- \(head.method) \(path)", metadata: ["peer.uid": "\(peer.uid)", "peer.pid": "\(peer.pid)"])
        if let rejection {
            write(context: context, response: rejection, keepAlive: false)
            return
        }
        if bodyTooLarge {
            let response = HTTPServerResponse.error(.payloadTooLarge, message: "request body is larger than \(maxBodySize) bytes")
            write(context: context, response: response, keepAlive: false)
            return
        }
        let request = HTTPServerRequest(method: head.method, uri: head.uri, headers: head.headers, body: body, peer: peer)
        body = nil
        let router = self.router
        let promise = context.eventLoop.makePromise(of: HTTPServerResponse.self)
        promise.completeWithTask { await router.respond(to: request) }
        let keepAlive = head.isKeepAlive
        promise.futureResult.assumeIsolated().whenSuccess { response in
            self.write(context: context, response: response, keepAlive: keepAlive)
        }
    }

    private func bodyTimedOut(context: ChannelHandlerContext) {
        guard let head else { return }
        timedOut = true
        body = nil
        logger.info("<-- \(head.method) \(URLComponentsParser.split(head.uri).path) (body not received)", metadata: ["peer.uid": "\(peer.uid)"])
        let response = HTTPServerResponse.error(
            .requestTimeout,
            message: "request body not received within \(bodyReadTimeout.nanoseconds / 1_000_000) ms; send the whole body with the request"
        )
        write(context: context, response: response, keepAlive: false)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        bodyTimer?.cancel()
        bodyTimer = nil
    }

    private func write(context: ChannelHandlerContext, response: HTTPServerResponse, keepAlive: Bool) {
        logger.info("--> \(response.status.code)", metadata: ["peer.uid": "\(peer.uid)"])
        if let bodyStream = response.bodyStream {
            writeStreaming(context: context, response: response, body: bodyStream, keepAlive: keepAlive)
            return
        }
        var headers = response.headers
        headers.replaceOrAdd(name: "Content-Length", value: "\(response.body.readableBytes)")
        if !keepAlive { headers.replaceOrAdd(name: "Connection", value: "close") }
        let head = HTTPResponseHead(version: .http1_1, status: response.status, headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if response.body.readableBytes > 0 {
            context.write(wrapOutboundOut(.body(.byteBuffer(response.body))), promise: nil)
        }
        let written = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !keepAlive {
            written.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        }
    }

    /// Sends the head, then runs the producer in a task of its own that writes chunk by chunk, each write awaited
    /// (back-pressure). The connection closing cancels that task; the producer failing closes the connection without
    /// the terminating chunk.
    private func writeStreaming(context: ChannelHandlerContext, response: HTTPServerResponse, body: HTTPResponseBodyStream, keepAlive: Bool) {
        var headers = response.headers
        headers.remove(name: "Content-Length")
        headers.replaceOrAdd(name: "Transfer-Encoding", value: "chunked")
        if !keepAlive { headers.replaceOrAdd(name: "Connection", value: "close") }
        context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: response.status, headers: headers))), promise: nil)
        let channel = context.channel
        let logger = self.logger
        let uid = peer.uid
        let producer = Task {
            do {
                try await body.produce(HTTPResponseBodyWriter(channel: channel))
                try await channel.writeAndFlush(HTTPServerResponsePart.end(nil)).get()
                if !keepAlive { channel.close(promise: nil) }
            } catch {
                if Task.isCancelled {
                    logger.debug("streamed response stopped: the client disconnected", metadata: ["peer.uid": "\(uid)"])
                } else {
                    logger.info("streamed response cut: \(error)", metadata: ["peer.uid": "\(uid)"])
                }
                channel.close(promise: nil)
            }
        }
        channel.closeFuture.whenComplete { _ in producer.cancel() }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.debug("connection error: \(error)", metadata: ["peer.uid": "\(peer.uid)"])
        context.close(promise: nil)
    }
}
