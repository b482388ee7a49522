import NIOCore
import NIOHTTP1
import Synchronization

/// The last handler of a streaming client connection: hands the response head to
/// ``UnixSocketHTTPClient/stream(_:_:headers:body:)`` and feeds the body, with back-pressure, into the producer whose
/// iterator the caller holds.
///
/// Reads are driven by the consumer: `read` is held back while the producer's buffer is above its high watermark and
/// released when the consumer asks for more.
final class StreamingResponseHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = HTTPClientRequestPart
    typealias OutboundOut = HTTPClientRequestPart

    typealias Producer = NIOThrowingAsyncSequenceProducer<
        ByteBuffer, any Error, NIOAsyncSequenceProducerBackPressureStrategies.HighLowWatermark, Delegate
    >

    /// The producer's callbacks, which may come from any thread: they reach the connection through its link.
    struct Delegate: NIOAsyncSequenceProducerDelegate {
        let link: StreamingConnectionLink

        func produceMore() {
            guard let channel = link.channel else { return }
            channel.eventLoop.execute {
                (try? channel.pipeline.syncOperations.handler(type: StreamingResponseHandler.self))?.produceMore()
            }
        }

        func didTerminate() {
            link.close()
        }
    }

    private enum State {
        case waitingForHead
        case streamingBody
        case done
    }

    private let headPromise: EventLoopPromise<HTTPResponseHead>
    private var source: Producer.Source?
    private var context: ChannelHandlerContext?
    private var state = State.waitingForHead
    private var producing = true
    private var readPending = false

    init(headPromise: EventLoopPromise<HTTPResponseHead>, source: Producer.Source) {
        self.headPromise = headPromise
        self.source = source
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            guard case .waitingForHead = state else { return }
            // Interim answers (100 Continue) are not the response.
            if head.status.code >= 100 && head.status.code < 200 && head.status != .switchingProtocols { return }
            state = .streamingBody
            headPromise.succeed(head)
        case .body(let chunk):
            guard case .streamingBody = state, let source else { return }
            if case .stopProducing = source.yield(chunk) { producing = false }
        case .end:
            finish(nil)
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish(UnixSocketHTTPError(.connectionClosed, "the server closed the connection before the end of its response"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        finish(UnixSocketHTTPError(.connectionClosed, "cannot read the response: \(error)"))
        context.close(promise: nil)
    }

    func read(context: ChannelHandlerContext) {
        if producing || state != .streamingBody {
            context.read()
        } else {
            readPending = true
        }
    }

    fileprivate func produceMore() {
        producing = true
        if readPending, let context {
            readPending = false
            context.read()
        }
    }

    private func finish(_ error: (any Error)?) {
        switch state {
        case .waitingForHead:
            state = .done
            let failure = error ?? UnixSocketHTTPError(.connectionClosed, "the server sent no response")
            source?.finish(failure)
            source = nil
            headPromise.fail(failure)
        case .streamingBody:
            state = .done
            if let error { source?.finish(error) } else { source?.finish() }
            source = nil
        case .done:
            break
        }
    }
}

/// The link from a streamed body's consumer to its connection: when the consumer is done (end of body, stream
/// dropped, task cancelled), the connection is closed — also when that happens before the connection is up.
final class StreamingConnectionLink: Sendable {
    private struct State {
        var channel: (any Channel)?
        var closed = false
    }

    private let state = Mutex(State())

    var channel: (any Channel)? { state.withLock { $0.channel } }

    /// Called once connected.
    func attach(_ channel: any Channel) {
        let closeNow = state.withLock { state in
            state.channel = channel
            return state.closed
        }
        if closeNow { channel.close(promise: nil) }
    }

    func close() {
        let channel = state.withLock { state in
            state.closed = true
            return state.channel
        }
        channel?.close(promise: nil)
    }
}
