import NIOCore
import NIOHTTP1
import NIOPosix

/// One HTTP/1.1 exchange with the engine on a connection of its own (`Connection: close`): the request is written
/// whole, the response head awaited (with the configured timeout), and the body handed over as a ``DockerByteStream``
/// that owns the connection.
struct DockerConnection: Sendable {
    let configuration: DockerClientConfiguration

    /// A response whose body is still on the wire.
    struct StreamingResponse: Sendable {
        var head: HTTPResponseHead
        var body: DockerByteStream

        var status: Int { Int(head.status.code) }
    }

    /// Sends a request (`target` = path and query) and returns once the response head is in.
    func send(
        _ method: HTTPMethod,
        _ target: String,
        headers: HTTPHeaders = [:],
        body: ByteBuffer? = nil,
        extraHeadTimeout: Duration = .zero,
        waitForHeadForever: Bool = false
    ) async throws -> StreamingResponse {
        let eventLoop = configuration.eventLoopGroup.next()
        let headPromise = eventLoop.makePromise(of: HTTPResponseHead.self)
        // The body stream is made here and held only by the caller: when the caller lets go of it, the handle closes
        // the connection.
        let handle = ConnectionHandle()
        let made = DockerByteStream.Producer.makeSequence(
            elementType: ByteBuffer.self,
            backPressureStrategy: .init(lowWatermark: 4, highWatermark: 16),
            finishOnDeinit: true,
            delegate: DockerResponseHandler.Delegate(handle: handle)
        )
        let source = made.source
        let responseBody = DockerByteStream(producer: made.sequence)
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: eventLoop)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHTTPClientHandlers()
                        try channel.pipeline.syncOperations.addHandler(DockerResponseHandler(headPromise: headPromise, source: source))
                    }
                }
                .connect(unixDomainSocketPath: configuration.socketPath)
                .get()
        } catch {
            let failure = DockerError(
                .connectionFailed,
                message: "cannot connect to the Docker engine at \(configuration.socketPath): \(error); is dockerd running "
                    + "(scripts/setup.sh starts it) and may this user open its socket?"
            )
            headPromise.fail(failure)
            throw failure
        }
        handle.attach(channel)

        var head = HTTPRequestHead(version: .http1_1, method: method, uri: target, headers: headers)
        head.headers.replaceOrAdd(name: "Host", value: configuration.host)
        head.headers.replaceOrAdd(name: "Connection", value: "close")
        head.headers.replaceOrAdd(name: "User-Agent", value: "swift-iotedge-docker-client")
        if let body {
            head.headers.replaceOrAdd(name: "Content-Length", value: "\(body.readableBytes)")
            if !head.headers.contains(name: "Content-Type") { head.headers.add(name: "Content-Type", value: "application/json") }
        } else if method == .POST || method == .PUT {
            head.headers.replaceOrAdd(name: "Content-Length", value: "0")
        }
        channel.write(HTTPClientRequestPart.head(head), promise: nil)
        if let body { channel.write(HTTPClientRequestPart.body(.byteBuffer(body)), promise: nil) }
        channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)

        var timeout: Scheduled<Void>?
        if !waitForHeadForever, let limit = configuration.responseHeadTimeout {
            let total = limit + extraHeadTimeout
            timeout = eventLoop.scheduleTask(in: .nanoseconds(Int64(total.nanoseconds))) {
                Self.abort(channel, DockerError(.timeout, message: "Docker did not answer \(method) \(target) within \(total)"))
            }
        }
        defer { timeout?.cancel() }
        let responseHead = try await withTaskCancellationHandler {
            try await headPromise.futureResult.get()
        } onCancel: {
            Self.abort(channel, CancellationError())
        }
        return StreamingResponse(head: responseHead, body: responseBody)
    }

    /// Sends a request and reads the whole answer (at most `maxBufferedBodySize` bytes).
    func sendBuffered(
        _ method: HTTPMethod,
        _ target: String,
        headers: HTTPHeaders = [:],
        body: ByteBuffer? = nil,
        extraHeadTimeout: Duration = .zero,
        waitForHeadForever: Bool = false
    ) async throws -> (status: Int, headers: HTTPHeaders, body: ByteBuffer) {
        let response = try await send(
            method, target, headers: headers, body: body, extraHeadTimeout: extraHeadTimeout, waitForHeadForever: waitForHeadForever
        )
        let collected = try await response.body.collect(upTo: configuration.maxBufferedBodySize)
        return (response.status, response.head.headers, collected)
    }

    private static func abort(_ channel: any Channel, _ error: any Error) {
        channel.eventLoop.execute {
            if let handler = try? channel.pipeline.syncOperations.handler(type: DockerResponseHandler.self) {
                handler.abort(error)
            } else {
                channel.close(promise: nil)
            }
        }
    }
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
