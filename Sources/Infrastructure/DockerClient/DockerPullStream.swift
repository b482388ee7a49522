import IoTHubProtocol
import NIOCore
import NIOHTTP1

/// An image pull's progress, one object per step. An error reported inside the (200) stream — Docker's
/// `{"errorDetail": …, "error": …}` — is thrown as ``DockerError`` with code ``DockerError/Code-swift.struct/streamError``
/// and status 200 (the pull failed even though the answer began as a success).
public struct DockerPullStream: AsyncSequence, Sendable {
    public typealias Element = PullProgress
    let body: DockerByteStream
    let reference: String

    public struct AsyncIterator: AsyncIteratorProtocol {
        var body: DockerByteStream.AsyncIterator
        let reference: String
        var splitter = JSONLinesSplitter()
        var ready: [ByteBuffer] = []
        var finished = false

        public mutating func next() async throws -> PullProgress? {
            while ready.isEmpty {
                if finished { return nil }
                if let chunk = try await body.next() {
                    ready = try splitter.feed(chunk).reversed()
                } else {
                    finished = true
                    if let last = splitter.finish() { ready = [last] }
                }
            }
            let json = try DockerClient.parseJSON(ready.removeLast())
            if json["errorDetail"] != nil || json["error"] != nil {
                let message = json["errorDetail"]?.string("message") ?? json.string("error") ?? json.jsonString
                finished = true
                ready = []
                throw DockerError(.streamError, status: 200, message: "pulling \(reference) failed: \(message)")
            }
            return PullProgress(json: json)
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(body: body.makeAsyncIterator(), reference: reference)
    }
}
