import Foundation
import NIOCore

/// Turns frames into lines, per stream: a piece without a newline waits for the rest of its line. With
/// `timestamps`, every piece starts with Docker's timestamp and a space; the first piece's is kept. A pure value.
public struct DockerLogLineAssembler: Sendable {
    private let timestamps: Bool
    private var pending: [DockerLogFrame.Stream: (timestamp: String?, bytes: [UInt8])] = [:]

    public init(timestamps: Bool) {
        self.timestamps = timestamps
    }

    /// The lines this frame completes.
    public mutating func feed(_ frame: DockerLogFrame) -> [DockerLogLine] {
        var bytes = Array(frame.payload.readableBytesView)[...]
        var lines: [DockerLogLine] = []
        // In a TTY stream one "frame" is whatever arrived, possibly several lines; with timestamps Docker still
        // prefixes each logged message, which is what a frame is here.
        var timestamp: String?
        if timestamps, let space = bytes.firstIndex(of: UInt8(ascii: " ")) {
            timestamp = String(decoding: bytes[..<space], as: UTF8.self)
            bytes = bytes[(space + 1)...]
        }
        while !bytes.isEmpty {
            var entry = pending[frame.stream] ?? (nil, [])
            if entry.timestamp == nil { entry.timestamp = timestamp }
            if let newline = bytes.firstIndex(of: UInt8(ascii: "\n")) {
                entry.bytes += bytes[..<newline]
                bytes = bytes[(newline + 1)...]
                pending[frame.stream] = nil
                lines.append(Self.line(frame.stream, entry))
            } else {
                entry.bytes += bytes
                bytes = []
                pending[frame.stream] = entry
            }
        }
        return lines
    }

    /// Lines left without a final newline (at the end of the stream).
    public mutating func finish() -> [DockerLogLine] {
        let streams: [DockerLogFrame.Stream] = [.stdin, .stdout, .stderr, .systemError]
        let lines = streams.compactMap { stream in pending[stream].map { Self.line(stream, $0) } }
        pending = [:]
        return lines
    }

    private static func line(_ stream: DockerLogFrame.Stream, _ entry: (timestamp: String?, bytes: [UInt8])) -> DockerLogLine {
        var bytes = entry.bytes[...]
        if bytes.last == UInt8(ascii: "\r") { bytes = bytes.dropLast() }
        return DockerLogLine(
            stream: stream,
            timestamp: entry.timestamp.flatMap(DockerTime.parseRFC3339),
            timestampText: entry.timestamp,
            text: String(decoding: bytes, as: UTF8.self)
        )
    }
}
