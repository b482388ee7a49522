public import NIOCore
public import NIOHTTP1
public import NIOPosix

/// A minimal HTTP/1.1 client for the local daemons' Unix sockets: one connection per request (`Connection: close`),
/// the whole response buffered by ``request(_:_:headers:body:)``, or handed over as it arrives by
/// ``stream(_:_:headers:body:)``. Sends a real `Host` header (AsyncHTTPClient's `http+unix` does not).
public struct UnixSocketHTTPClient: Sendable {
    /// A complete response.
    public struct Response: Sendable {
        public var status: HTTPResponseStatus
        public var headers: HTTPHeaders
        public var body: ByteBuffer
        /// The body as UTF-8 text.
        public var bodyText: String { String(buffer: body) }
    }

    public let socketPath: String
    /// Value of the `Host` header, e.g. `keyd.sock`; the services ignore it but HTTP/1.1 requires one.
    public let host: String
    let group: any EventLoopGroup

    public init(socketPath: String, host: String = "localhost", eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.socketPath = socketPath
        self.host = host
        self.group = eventLoopGroup
    }

    /// Sends one request (`target` is path plus query, e.g. `/keys?api-version=2020-09-01`) and waits for the response.
    public func request(
        _ method: HTTPMethod,
        _ target: String,
        headers: HTTPHeaders = [:],
        body: ByteBuffer? = nil
    ) async throws -> Response {
        let promise = group.next().makePromise(of: Response.self)
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: group)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHTTPClientHandlers()
                        try channel.pipeline.syncOperations.addHandler(ResponseCollector(promise: promise))
                    }
                }
                .connect(unixDomainSocketPath: socketPath)
                .get()
        } catch {
            promise.fail(error)
            throw UnixSocketHTTPError(.connect, "cannot connect to \(socketPath): \(error); is the daemon running and may this user open the socket?")
        }
        sendRequest(on: channel, method, target, headers: headers, body: body)
        defer { channel.close(promise: nil) }
        return try await promise.futureResult.get()
    }

    /// Writes the whole request: a `Host` header, `Connection: close`, and a JSON `Content-Type` by default for a body.
    func sendRequest(on channel: any Channel, _ method: HTTPMethod, _ target: String, headers: HTTPHeaders, body: ByteBuffer?) {
        var head = HTTPRequestHead(version: .http1_1, method: method, uri: target, headers: headers)
        head.headers.replaceOrAdd(name: "Host", value: host)
        head.headers.replaceOrAdd(name: "Connection", value: "close")
        if let body {
            head.headers.replaceOrAdd(name: "Content-Length", value: "\(body.readableBytes)")
            if !head.headers.contains(name: "Content-Type") { head.headers.add(name: "Content-Type", value: "application/json") }
        } else if method == .POST || method == .PUT {
            head.headers.replaceOrAdd(name: "Content-Length", value: "0")
        }
        channel.write(HTTPClientRequestPart.head(head), promise: nil)
        if let body { channel.write(HTTPClientRequestPart.body(.byteBuffer(body)), promise: nil) }
        channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
    }
}

/// Buffers one response and completes the promise at its end (or fails it if the connection closes first).
final class ResponseCollector: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart

    private let promise: EventLoopPromise<UnixSocketHTTPClient.Response>
    private var response: UnixSocketHTTPClient.Response?
    private var completed = false

    init(promise: EventLoopPromise<UnixSocketHTTPClient.Response>) { self.promise = promise }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            response = .init(status: head.status, headers: head.headers, body: ByteBuffer())
        case .body(var chunk):
            response?.body.writeBuffer(&chunk)
        case .end:
            if let response, !completed {
                completed = true
                promise.succeed(response)
            }
            response = nil
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(UnixSocketHTTPError(.connectionClosed, "the server closed the connection before a complete response"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(error)
        context.close(promise: nil)
    }

    private func fail(_ error: any Error) {
        guard !completed else { return }
        completed = true
        promise.fail(error)
    }
}
