public import NIOCore

/// Cuts a stream of newline-separated JSON documents (Docker's events and pull progress) into documents, whatever the
/// chunking. Blank lines and `\r` before a newline are skipped. A pure value.
public struct JSONLinesSplitter: Sendable {
    private var buffer = ByteBuffer()
    private let maxLineSize: Int

    public init(maxLineSize: Int = 16 << 20) {
        self.maxLineSize = maxLineSize
    }

    /// Adds a chunk; returns the complete lines it ends (without the newline).
    public mutating func feed(_ chunk: ByteBuffer) throws(DockerError) -> [ByteBuffer] {
        var chunk = chunk
        let searchFrom = buffer.readableBytes
        buffer.writeBuffer(&chunk)
        var lines: [ByteBuffer] = []
        var offset = searchFrom
        while let newline = buffer.readableBytesView.dropFirst(offset).firstIndex(of: UInt8(ascii: "\n")) {
            let length = newline - buffer.readerIndex
            var line = buffer.readSlice(length: length)!
            buffer.moveReaderIndex(forwardBy: 1)
            if line.readableBytes > 0, line.getInteger(at: line.writerIndex - 1, as: UInt8.self) == UInt8(ascii: "\r") {
                line.moveWriterIndex(to: line.writerIndex - 1)
            }
            if line.readableBytesView.contains(where: { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\t") }) {
                lines.append(ByteBuffer(buffer: line))
            }
            offset = 0
        }
        buffer.discardReadBytes()
        guard buffer.readableBytes <= maxLineSize else {
            throw DockerError(.invalidResponse, message: "a line of Docker's JSON stream is over \(maxLineSize) bytes")
        }
        return lines
    }

    /// The unterminated last line, if it holds anything (Docker ends every document with a newline; this is for
    /// streams cut short).
    public mutating func finish() -> ByteBuffer? {
        guard buffer.readableBytesView.contains(where: { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\r") }) else { return nil }
        defer { buffer.clear() }
        return buffer
    }
}
