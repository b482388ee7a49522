public import NIOCore

/// Splits Docker's multiplexed stream (non-TTY container logs and attach) into frames, whatever the chunking.
///
/// Each frame is an 8-byte header — stream byte, three zero bytes, the payload length as a big-endian `UInt32` —
/// followed by the payload. A header or a payload may be split across any number of chunks, and one chunk may hold
/// many frames; feed the chunks in order with ``feed(_:)`` and call ``finish()`` at the end of the stream. A pure
/// value: no I/O, so it is tested with byte streams cut at every position.
public struct DockerLogDemultiplexer: Sendable {
    /// Docker's largest frame is far below this; a bigger length means the stream is not multiplexed (a TTY
    /// container's raw output read as frames) and is an error instead of a huge allocation.
    public static let defaultMaxFrameSize = 64 << 20

    private var buffer = ByteBuffer()
    private let maxFrameSize: Int

    public init(maxFrameSize: Int = DockerLogDemultiplexer.defaultMaxFrameSize) {
        self.maxFrameSize = maxFrameSize
    }

    /// Adds a chunk and returns the frames it completes.
    public mutating func feed(_ chunk: ByteBuffer) throws(DockerError) -> [DockerLogFrame] {
        var chunk = chunk
        buffer.writeBuffer(&chunk)
        var frames: [DockerLogFrame] = []
        while buffer.readableBytes >= 8 {
            let start = buffer.readerIndex
            let streamByte = buffer.getInteger(at: start, as: UInt8.self)!
            let length = Int(buffer.getInteger(at: start + 4, endianness: .big, as: UInt32.self)!)
            guard let stream = DockerLogFrame.Stream(rawValue: streamByte),
                buffer.getInteger(at: start + 1, as: UInt8.self) == 0,
                buffer.getInteger(at: start + 2, as: UInt16.self) == 0
            else {
                throw DockerError(
                    .invalidResponse,
                    message: "the log stream is not multiplexed as Docker frames it (header \(buffer.getBytes(at: start, length: 8)!)); "
                        + "is it a TTY container's raw output?"
                )
            }
            guard length <= maxFrameSize else {
                throw DockerError(.invalidResponse, message: "a log frame of \(length) bytes is over the \(maxFrameSize)-byte limit")
            }
            guard buffer.readableBytes >= 8 + length else { break }
            buffer.moveReaderIndex(forwardBy: 8)
            let payload = buffer.readSlice(length: length)!
            frames.append(DockerLogFrame(stream: stream, payload: ByteBuffer(buffer: payload)))
        }
        // Keep only what is unread, so a long stream does not grow the buffer.
        buffer.discardReadBytes()
        return frames
    }

    /// Whether bytes of an unfinished frame are waiting.
    public var hasPartialFrame: Bool { buffer.readableBytes > 0 }

    /// Call at the end of the stream: a partial frame left over means the stream was cut.
    public func finish() throws(DockerError) {
        if buffer.readableBytes > 0 {
            throw DockerError(.invalidResponse, message: "the log stream ended inside a frame (\(buffer.readableBytes) bytes left over)")
        }
    }
}
