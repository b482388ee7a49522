public import NIOCore

/// The body of a streaming Docker answer (followed logs, events, pull progress) as it arrives, chunk by chunk.
///
/// Back-pressure reaches the socket: a slow consumer stops reads. The connection is closed as soon as the body ends,
/// the consumer stops iterating (the sequence and its iterator are gone), or the consuming task is cancelled
/// (`next()` then throws `CancellationError`). A connection that breaks mid-body throws ``DockerError`` with code
/// ``DockerError/Code-swift.struct/invalidResponse``.
public struct DockerByteStream: AsyncSequence, Sendable {
    public typealias Element = ByteBuffer
    typealias Producer = NIOThrowingAsyncSequenceProducer<
        ByteBuffer, any Error, NIOAsyncSequenceProducerBackPressureStrategies.HighLowWatermark, DockerResponseHandler.Delegate
    >

    let producer: Producer

    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: Producer.AsyncIterator

        public mutating func next() async throws -> ByteBuffer? {
            try await base.next()
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: producer.makeAsyncIterator())
    }

    /// Reads the whole body into one buffer; more than `limit` bytes is an error.
    public func collect(upTo limit: Int) async throws -> ByteBuffer {
        var result = ByteBuffer()
        for try await var chunk in self {
            guard result.readableBytes + chunk.readableBytes <= limit else {
                throw DockerError(.invalidResponse, message: "Docker's answer is longer than \(limit) bytes")
            }
            result.writeBuffer(&chunk)
        }
        return result
    }
}
