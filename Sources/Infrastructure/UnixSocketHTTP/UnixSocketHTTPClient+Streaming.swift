public import NIOCore
public import NIOHTTP1
import NIOPosix

extension UnixSocketHTTPClient {
    /// A response whose body is still arriving.
    public struct StreamingResponse: Sendable {
        public var head: HTTPResponseHead
        /// The body's chunks as they arrive, whether the server sent it chunked, with a `Content-Length` or up to the
        /// end of the connection. The stream ends at the end of the body and throws ``UnixSocketHTTPError`` with code
        /// ``UnixSocketHTTPError/Code-swift.struct/connectionClosed`` when the connection ends first.
        ///
        /// One consumer only. The connection is closed when the body ends, when the consumer stops iterating (the
        /// stream and its iterator are gone) or when the consuming task is cancelled. A slow consumer slows the
        /// server down: reading from the socket pauses while a few chunks wait.
        public var body: AsyncThrowingStream<ByteBuffer, any Error>

        public var status: HTTPResponseStatus { head.status }
        public var headers: HTTPHeaders { head.headers }

        /// Reads the rest of the body into one buffer; more than `limit` bytes is an error.
        public func collect(upTo limit: Int) async throws -> ByteBuffer {
            var result = ByteBuffer()
            for try await var chunk in body {
                guard result.readableBytes + chunk.readableBytes <= limit else {
                    throw UnixSocketHTTPError(.responseTooLarge, "the response body is longer than \(limit) bytes")
                }
                result.writeBuffer(&chunk)
            }
            return result
        }
    }

    /// Sends one request and returns as soon as the response head is in, with the body to read as it arrives (see
    /// ``StreamingResponse/body``). Cancelling the calling task while it waits for the head closes the connection.
    public func stream(
        _ method: HTTPMethod,
        _ target: String,
        headers: HTTPHeaders = [:],
        body: ByteBuffer? = nil
    ) async throws -> StreamingResponse {
        let eventLoop = group.next()
        let headPromise = eventLoop.makePromise(of: HTTPResponseHead.self)
        let link = StreamingConnectionLink()
        let made = StreamingResponseHandler.Producer.makeSequence(
            elementType: ByteBuffer.self,
            backPressureStrategy: .init(lowWatermark: 2, highWatermark: 8),
            finishOnDeinit: true,
            delegate: StreamingResponseHandler.Delegate(link: link)
        )
        let source = made.source
        // Only the iterator is kept, by the stream handed to the caller: when the caller lets go of it, the producer
        // terminates and the link closes the connection.
        let iterator = StreamingBodyIterator(made.sequence.makeAsyncIterator())
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: eventLoop)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHTTPClientHandlers()
                        try channel.pipeline.syncOperations.addHandler(StreamingResponseHandler(headPromise: headPromise, source: source))
                    }
                }
                .connect(unixDomainSocketPath: socketPath)
                .get()
        } catch {
            let failure = UnixSocketHTTPError(.connect, "cannot connect to \(socketPath): \(error); is the daemon running and may this user open the socket?")
            headPromise.fail(failure)
            throw failure
        }
        link.attach(channel)
        sendRequest(on: channel, method, target, headers: headers, body: body)
        let head: HTTPResponseHead
        do {
            head = try await withTaskCancellationHandler {
                try await headPromise.futureResult.get()
            } onCancel: {
                link.close()
            }
        } catch {
            // The connection closed because the caller was cancelled: say so, rather than "connection closed".
            if Task.isCancelled { throw CancellationError() }
            throw error
        }
        return StreamingResponse(head: head, body: AsyncThrowingStream { try await iterator.next() })
    }
}

/// The producer's iterator, held by the `AsyncThrowingStream(unfolding:)` closure, which must be `Sendable`.
/// `@unchecked`: the iterator is only used by the stream's single consumer, one `next()` at a time.
final class StreamingBodyIterator: @unchecked Sendable {
    private var base: StreamingResponseHandler.Producer.AsyncIterator

    init(_ base: StreamingResponseHandler.Producer.AsyncIterator) { self.base = base }

    func next() async throws -> ByteBuffer? { try await base.next() }
}
