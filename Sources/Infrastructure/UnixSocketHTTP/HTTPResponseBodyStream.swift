public import NIOCore
import NIOHTTP1

/// A response body produced while it is sent (followed logs): the server writes it with
/// `Transfer-Encoding: chunked`, one HTTP chunk per buffer.
///
/// - Back-pressure: the producer's next buffer is asked for only once the previous one is in the socket, so a slow
///   reader slows the producer down instead of filling the server's memory.
/// - The task running the producer is cancelled when the client goes away, so whatever it reads from (a Docker log
///   stream) is let go of at once.
/// - A producer that throws cuts the connection without the terminating chunk: the client sees an incomplete body
///   rather than a complete one that lacks its end (the status line has already been sent).
public struct HTTPResponseBodyStream: Sendable {
    let produce: @Sendable (HTTPResponseBodyWriter) async throws -> Void

    /// A body written by `produce` through the writer; the body ends when `produce` returns.
    public init(_ produce: @escaping @Sendable (HTTPResponseBodyWriter) async throws -> Void) {
        self.produce = produce
    }

    /// A body made of `chunks`' buffers, in order; the body ends with the sequence.
    public init<Chunks: AsyncSequence & Sendable>(_ chunks: Chunks) where Chunks.Element == ByteBuffer {
        self.init { writer in
            for try await chunk in chunks {
                try await writer.write(chunk)
            }
        }
    }
}

/// Writes the buffers of a streamed body to its connection (see ``HTTPResponseBodyStream``).
public struct HTTPResponseBodyWriter: Sendable {
    let channel: any Channel

    /// Sends `chunk` as one HTTP chunk and returns once it has been handed to the socket; throws when the connection
    /// is closed. An empty buffer is skipped (it would read as the end of the body).
    public func write(_ chunk: ByteBuffer) async throws {
        guard chunk.readableBytes > 0 else { return }
        try await channel.writeAndFlush(HTTPServerResponsePart.body(.byteBuffer(chunk))).get()
    }
}
