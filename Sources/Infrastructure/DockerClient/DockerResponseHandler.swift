import NIOCore
import NIOHTTP1
import Synchronization

/// The last handler of a request's connection: hands the response head to ``DockerConnection`` and feeds the body,
/// with back-pressure, into the ``DockerByteStream`` the caller holds.
///
/// Reads are driven by the consumer: `read` is held back while the stream's buffer is above its high watermark and
/// released when the consumer asks for more. The stream is owned by the caller alone (never by this handler or a
/// future), so the consumer letting go of it is what ends the connection (see ``ConnectionHandle``).
final class DockerResponseHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = HTTPClientRequestPart
    typealias OutboundOut = HTTPClientRequestPart

    /// The stream's callbacks, which may come from any thread: they reach the connection through its handle.
    struct Delegate: NIOAsyncSequenceProducerDelegate {
        let handle: ConnectionHandle

        func produceMore() {
            guard let channel = handle.channel else { return }
            channel.eventLoop.execute {
                (try? channel.pipeline.syncOperations.handler(type: DockerResponseHandler.self))?.produceMore()
            }
        }

        func didTerminate() {
            handle.consumerDone()
        }
    }

    private enum State {
        case waitingForHead
        case streamingBody
        case done
    }

    private let headPromise: EventLoopPromise<HTTPResponseHead>
    private var source: DockerByteStream.Producer.Source?
    private var context: ChannelHandlerContext?
    private var state = State.waitingForHead
    private var producing = true
    private var readPending = false

    init(headPromise: EventLoopPromise<HTTPResponseHead>, source: DockerByteStream.Producer.Source) {
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
        finish(DockerError(.invalidResponse, message: "Docker closed the connection before the end of its answer"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        finish(DockerError(.invalidResponse, message: "cannot read Docker's answer: \(error)"))
        context.close(promise: nil)
    }

    func read(context: ChannelHandlerContext) {
        if producing || state != .streamingBody {
            context.read()
        } else {
            readPending = true
        }
    }

    /// Fails a waiting head or a body in progress (timeout, cancellation) and closes the connection.
    func abort(_ error: any Error) {
        finish(error)
        context?.close(promise: nil)
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
            let failure = error ?? DockerError(.invalidResponse, message: "Docker sent no answer")
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

/// The link from a ``DockerByteStream``'s consumer to its connection: when the consumer is done (end of body,
/// stream dropped, task cancelled), the connection is closed — also when that happens before the connection is up.
final class ConnectionHandle: Sendable {
    private struct State {
        var channel: (any Channel)?
        var consumerDone = false
    }

    private let state = Mutex(State())

    var channel: (any Channel)? { state.withLock { $0.channel } }

    /// Called once connected.
    func attach(_ channel: any Channel) {
        let closeNow = state.withLock { state in
            state.channel = channel
            return state.consumerDone
        }
        if closeNow { channel.close(promise: nil) }
    }

    func consumerDone() {
        let channel = state.withLock { state in
            state.consumerDone = true
            return state.channel
        }
        channel?.close(promise: nil)
    }
}
