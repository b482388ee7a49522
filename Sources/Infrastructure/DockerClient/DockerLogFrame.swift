public import NIOCore

/// One piece of a container's output as Docker frames it: which stream, and the bytes.
///
/// A frame is usually one log line with its newline, but not always: Docker cuts long lines into pieces (16 KiB with
/// the json-file driver) and a TTY container's output is not framed at all (it all comes as ``Stream-swift.enum/stdout``).
public struct DockerLogFrame: Sendable, Hashable {
    /// Docker's stream byte: 0 stdin, 1 stdout, 2 stderr (3 is the "system error" stream of exec attach).
    public enum Stream: UInt8, Sendable, Hashable {
        case stdin = 0
        case stdout = 1
        case stderr = 2
        case systemError = 3
    }

    public var stream: Stream
    public var payload: ByteBuffer

    public init(stream: Stream, payload: ByteBuffer) {
        self.stream = stream
        self.payload = payload
    }

    /// The payload as UTF-8 text (invalid bytes replaced).
    public var text: String { String(buffer: payload) }
}
