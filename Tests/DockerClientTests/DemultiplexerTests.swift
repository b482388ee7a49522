import DockerClient
import Foundation
import NIOCore
import Testing

/// Docker's multiplexed log framing, cut at every position.
@Suite struct DemultiplexerTests {
    static func frame(_ stream: UInt8, _ payload: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = [stream, 0, 0, 0]
        let length = UInt32(payload.count)
        bytes += [UInt8(length >> 24), UInt8((length >> 16) & 0xff), UInt8((length >> 8) & 0xff), UInt8(length & 0xff)]
        return bytes + payload
    }

    /// Several frames of both streams, an empty one, one with bytes that look like headers, one of 300 bytes.
    static let frames: [(DockerLogFrame.Stream, [UInt8])] = [
        (.stdout, Array("out 1\n".utf8)),
        (.stderr, Array("err 1\n".utf8)),
        (.stdout, []),
        (.stderr, [1, 0, 0, 0, 0, 0, 0, 9, 10]),
        (.stdout, Array(repeating: UInt8(ascii: "x"), count: 300) + [10]),
        (.stdout, Array("no newline".utf8)),
    ]

    static var stream: [UInt8] { frames.flatMap { frame($0.0.rawValue, $0.1) } }

    static func run(_ chunks: [[UInt8]]) throws -> [DockerLogFrame] {
        var demultiplexer = DockerLogDemultiplexer()
        var result: [DockerLogFrame] = []
        for chunk in chunks { result += try demultiplexer.feed(ByteBuffer(bytes: chunk)) }
        try demultiplexer.finish()
        return result
    }

    static func expected() -> [DockerLogFrame] {
        frames.map { DockerLogFrame(stream: $0.0, payload: ByteBuffer(bytes: $0.1)) }
    }

    @Test func wholeStreamInOneChunk() throws {
        #expect(try Self.run([Self.stream]) == Self.expected())
    }

    @Test func splitAtEveryPosition() throws {
        let bytes = Self.stream
        for cut in 0...bytes.count {
            let frames = try Self.run([Array(bytes[..<cut]), Array(bytes[cut...])])
            #expect(frames == Self.expected(), "cut at \(cut)")
        }
    }

    @Test func splitAtEveryPairOfPositions() throws {
        // The first four frames (53 bytes), few enough for every pair of cuts.
        let bytes = Self.frames.prefix(4).flatMap { Self.frame($0.0.rawValue, $0.1) }
        let prefixFrames = try Self.run([bytes])
        #expect(prefixFrames.count == 4)
        for first in 0...bytes.count {
            for second in first...bytes.count {
                var demultiplexer = DockerLogDemultiplexer()
                var frames: [DockerLogFrame] = []
                for chunk in [bytes[..<first], bytes[first..<second], bytes[second...]] {
                    frames += try demultiplexer.feed(ByteBuffer(bytes: Array(chunk)))
                }
                #expect(frames == prefixFrames, "cuts at \(first), \(second)")
            }
        }
    }

    @Test func oneByteAtATime() throws {
        let frames = try Self.run(Self.stream.map { [$0] })
        #expect(frames == Self.expected())
    }

    @Test func cutStreamIsAnError() throws {
        let bytes = Self.stream.dropLast(3)
        var demultiplexer = DockerLogDemultiplexer()
        _ = try demultiplexer.feed(ByteBuffer(bytes: Array(bytes)))
        #expect(demultiplexer.hasPartialFrame)
        do {
            try demultiplexer.finish()
            Issue.record("a stream cut inside a frame was accepted")
        } catch {
            #expect(error.code == .invalidResponse)
        }
    }

    @Test func rawTextIsNotTakenForFrames() throws {
        var demultiplexer = DockerLogDemultiplexer()
        do {
            _ = try demultiplexer.feed(ByteBuffer(string: "hello world, this is a TTY\n"))
            Issue.record("raw text was read as frames")
        } catch {
            #expect(error.code == .invalidResponse)
            #expect(error.message.contains("TTY"))
        }
    }

    @Test func hugeLengthIsRefused() throws {
        var demultiplexer = DockerLogDemultiplexer(maxFrameSize: 1000)
        do {
            _ = try demultiplexer.feed(ByteBuffer(bytes: [1, 0, 0, 0, 0, 0, 0x10, 0]))
            Issue.record("a 4096-byte frame passed a 1000-byte limit")
        } catch {
            #expect(error.code == .invalidResponse)
        }
    }
}

@Suite struct LogLineAssemblerTests {
    @Test func piecesOfALongLineAreJoinedPerStream() {
        var assembler = DockerLogLineAssembler(timestamps: false)
        var lines: [DockerLogLine] = []
        lines += assembler.feed(DockerLogFrame(stream: .stdout, payload: ByteBuffer(string: "aaa")))
        lines += assembler.feed(DockerLogFrame(stream: .stderr, payload: ByteBuffer(string: "e1\n")))
        lines += assembler.feed(DockerLogFrame(stream: .stdout, payload: ByteBuffer(string: "bbb\nsecond\r\nthi")))
        lines += assembler.feed(DockerLogFrame(stream: .stdout, payload: ByteBuffer(string: "rd")))
        lines += assembler.finish()
        #expect(lines.map(\.text) == ["e1", "aaabbb", "second", "third"])
        #expect(lines.map(\.stream) == [.stderr, .stdout, .stdout, .stdout])
    }

    @Test func timestampsOfEachPieceAreStrippedAndTheFirstKept() throws {
        var assembler = DockerLogLineAssembler(timestamps: true)
        var lines: [DockerLogLine] = []
        lines += assembler.feed(DockerLogFrame(stream: .stdout, payload: ByteBuffer(string: "2024-05-01T10:00:00.123456789Z part one ")))
        lines += assembler.feed(DockerLogFrame(stream: .stdout, payload: ByteBuffer(string: "2024-05-01T10:00:01.000000000Z part two\n")))
        #expect(lines.count == 1)
        let line = try #require(lines.first)
        #expect(line.text == "part one part two")
        #expect(line.timestampText == "2024-05-01T10:00:00.123456789Z")
        let seconds = try #require(line.timestamp?.timeIntervalSince1970)
        #expect(abs(seconds - 1_714_557_600.123456789) < 0.000_01)
    }
}
