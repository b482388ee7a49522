import DockerClient
import Foundation
import NIOCore

/// Writes a logs body to standard output: Docker's multiplexed frames (stdout and stderr both, in order) or, for a
/// TTY container, whose body is not framed, the bytes as they are.
enum LogOutput {
    static func payload(_ body: ByteBuffer) -> [UInt8] {
        var demultiplexer = DockerLogDemultiplexer()
        if let frames = try? demultiplexer.feed(body), (try? demultiplexer.finish()) != nil {
            var bytes: [UInt8] = []
            bytes.reserveCapacity(body.readableBytes)
            for frame in frames { bytes += frame.payload.readableBytesView }
            return bytes
        }
        return Array(body.readableBytesView)
    }

    static func write(_ body: ByteBuffer) throws(IotedgeError) {
        let bytes = payload(body)
        do {
            try FileHandle.standardOutput.write(contentsOf: bytes)
        } catch {
            throw IotedgeError("Could not write the logs", cause: error)
        }
    }
}
