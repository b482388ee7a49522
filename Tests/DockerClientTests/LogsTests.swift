import DockerClient
import Foundation
import MQTTTestSupport
import NIOCore
import Synchronization
import Testing

/// Container logs from real containers: both streams, long lines, tail, since, timestamps, follow, TTY, cancel.
@Suite struct LogsTests {
    static func collect(_ stream: DockerLogStream) async throws -> [DockerLogFrame] {
        var frames: [DockerLogFrame] = []
        for try await frame in stream { frames.append(frame) }
        return frames
    }

    static func lines(_ stream: DockerLogStream, timestamps: Bool = false) async throws -> [DockerLogLine] {
        var lines: [DockerLogLine] = []
        for try await line in stream.lines(timestamps: timestamps) { lines.append(line) }
        return lines
    }

    @Test func bothStreamsAndLinesLongerThanAChunk() async throws {
        let client = try await DockerTest.client()
        let name = DockerTest.uniqueName("logs")
        // 100 000-character lines: Docker's json-file driver cuts them into 16 KiB pieces, and the HTTP chunks cut
        // across frames.
        let script = """
            echo out-1; echo err-1 >&2
            yes x | head -c 100000 | tr -d '\\n'; echo
            yes y | head -c 100000 | tr -d '\\n' >&2; echo >&2
            i=0; while [ $i -lt 200 ]; do echo "out-line-$i"; echo "err-line-$i" >&2; i=$((i+1)); done
            printf 'no-newline-at-end'
            """
        try await DockerTest.withContainer(client, name: name, options: DockerTest.options(name, script)) { id in
            #expect(try await DockerTest.waitForExit(client, id) == 0)
            let frames = try await Self.collect(try await client.containerLogs(id))
            #expect(frames.count > 400)
            let out = frames.filter { $0.stream == .stdout }.map(\.text).joined()
            let err = frames.filter { $0.stream == .stderr }.map(\.text).joined()
            let expectedOut = (["out-1", String(repeating: "x", count: 50_000)] + (0..<200).map { "out-line-\($0)" }).joined(separator: "\n") + "\nno-newline-at-end"
            let expectedErr = (["err-1", String(repeating: "y", count: 50_000)] + (0..<200).map { "err-line-\($0)" }).joined(separator: "\n") + "\n"
            #expect(out == expectedOut)
            #expect(err == expectedErr)

            let lines = try await Self.lines(try await client.containerLogs(id))
            let outLines = lines.filter { $0.stream == .stdout }.map(\.text)
            #expect(outLines.count == 203)
            #expect(outLines[1] == String(repeating: "x", count: 50_000))
            #expect(outLines.last == "no-newline-at-end")
            #expect(lines.filter { $0.stream == .stderr }.map(\.text)[1] == String(repeating: "y", count: 50_000))

            // Only one stream when asked.
            let onlyErr = try await Self.collect(try await client.containerLogs(id, options: ContainerLogsOptions(stdout: false)))
            #expect(!onlyErr.isEmpty)
            #expect(onlyErr.allSatisfy { $0.stream == .stderr })

            // The raw body is Docker's multiplexed stream, which our demultiplexer reads back whatever the chunking.
            let raw = try await client.containerLogsRaw(id)
            #expect(raw.multiplexed)
            let bytes = try await raw.body.collect(upTo: 1 << 24)
            var demultiplexer = DockerLogDemultiplexer()
            var again: [DockerLogFrame] = []
            var offset = 0
            var view = bytes
            while view.readableBytes > 0 {
                let size = min(view.readableBytes, 1 + (offset % 7919))
                again += try demultiplexer.feed(view.readSlice(length: size)!)
                offset += size
            }
            try demultiplexer.finish()
            #expect(again == frames)
        }
    }

    @Test func tailSinceAndTimestamps() async throws {
        let client = try await DockerTest.client()
        let name = DockerTest.uniqueName("tail")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(name).path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // Two batches, the second written only when the test says so: `since` falls between them.
        let script = "for i in 1 2 3; do echo first-$i; done; touch /data/first-done; while [ ! -e /data/go ]; do sleep 0.05; done; for i in 1 2 3; do echo second-$i; done"
        var options = DockerTest.options(name, script)
        options.binds = ["\(directory):/data"]
        try await DockerTest.withContainer(client, name: name, options: options) { id in
            #expect(await eventually(timeout: .seconds(20)) { FileManager.default.fileExists(atPath: directory + "/first-done") })
            let firstBatch = try await Self.lines(try await client.containerLogs(id, options: ContainerLogsOptions(timestamps: true)), timestamps: true)
            #expect(firstBatch.map(\.text) == ["first-1", "first-2", "first-3"])
            let lastFirst = try #require(firstBatch.last?.timestamp)
            #expect(firstBatch.allSatisfy { $0.timestamp != nil && $0.timestampText?.hasSuffix("Z") == true })
            _ = FileManager.default.createFile(atPath: directory + "/go", contents: nil)
            #expect(try await DockerTest.waitForExit(client, id) == 0)

            let all = try await Self.lines(try await client.containerLogs(id))
            #expect(all.map(\.text) == ["first-1", "first-2", "first-3", "second-1", "second-2", "second-3"])
            #expect(all.allSatisfy { $0.timestamp == nil })

            let tail = try await Self.lines(try await client.containerLogs(id, options: ContainerLogsOptions(tail: .last(2))))
            #expect(tail.map(\.text) == ["second-2", "second-3"])
            let none = try await Self.lines(try await client.containerLogs(id, options: ContainerLogsOptions(tail: .last(0))))
            #expect(none.isEmpty)

            // Just after the first batch's last line: only the second batch.
            let since = DockerTime.date(lastFirst.addingTimeInterval(0.000_002))
            let recent = try await Self.lines(try await client.containerLogs(id, options: ContainerLogsOptions(since: since, timestamps: true)), timestamps: true)
            #expect(recent.map(\.text) == ["second-1", "second-2", "second-3"])
            let stamps = recent.compactMap(\.timestamp)
            #expect(stamps.count == 3)
            #expect(stamps == stamps.sorted())
            #expect(stamps.allSatisfy { $0 > lastFirst })

            // until: only the first batch.
            let until = DockerTime.date(lastFirst.addingTimeInterval(0.000_002))
            let early = try await Self.lines(try await client.containerLogs(id, options: ContainerLogsOptions(until: until)))
            #expect(early.map(\.text) == ["first-1", "first-2", "first-3"])
        }
    }

    @Test func followSeesNewLinesAndEndsWhenTheContainerExits() async throws {
        let client = try await DockerTest.client()
        let name = DockerTest.uniqueName("follow")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(name).path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let script = "echo ready; echo ready-err >&2; while [ ! -e /data/go ]; do sleep 0.05; done; echo after; echo after-err >&2; exit 0"
        var options = DockerTest.options(name, script)
        options.binds = ["\(directory):/data"]
        try await DockerTest.withContainer(client, name: name, options: options) { id in
            let stream = try await client.containerLogs(id, options: ContainerLogsOptions(follow: true))
            let seen = try await withDeadline(.seconds(30), "followed logs") {
                var iterator = stream.lines(timestamps: false).makeAsyncIterator()
                var seen: [String] = []
                while seen.count < 2, let line = try await iterator.next() { seen.append("\(line.stream):\(line.text)") }
                // Only now is the rest written: the open stream must deliver it.
                _ = FileManager.default.createFile(atPath: directory + "/go", contents: nil)
                while let line = try await iterator.next() { seen.append("\(line.stream):\(line.text)") }
                return seen
            }
            #expect(Set(seen.prefix(2)) == ["stdout:ready", "stderr:ready-err"])
            #expect(Set(seen.dropFirst(2)) == ["stdout:after", "stderr:after-err"])
            #expect(seen.count == 4)
            #expect(try await client.inspectContainer(id).state.running == false)
        }
    }

    @Test func cancellingTheReaderOfAFollowedStreamEndsIt() async throws {
        let client = try await DockerTest.client()
        let name = DockerTest.uniqueName("follow-cancel")
        try await DockerTest.withContainer(client, name: name, options: DockerTest.options(name, "while true; do echo tick; sleep 0.1; done")) { id in
            let stream = try await client.containerLogs(id, options: ContainerLogsOptions(follow: true))
            let count = Mutex(0)
            let reader = Task {
                for try await _ in stream { count.withLock { $0 += 1 } }
            }
            // Cancelled while following a live container, after some output arrived.
            #expect(await eventually(timeout: .seconds(20)) { count.withLock { $0 } >= 3 })
            reader.cancel()
            let outcome = try await withDeadline(.seconds(10), "the cancelled stream to end") {
                do {
                    try await reader.value
                    return "ended"
                } catch is CancellationError {
                    return "cancelled"
                } catch {
                    return "failed: \(error)"
                }
            }
            #expect(outcome == "cancelled")
            #expect(try await client.inspectContainer(id).state.running)
        }
    }

    @Test func ttyContainerLogsAreRaw() async throws {
        let client = try await DockerTest.client()
        let name = DockerTest.uniqueName("tty")
        try await DockerTest.withContainer(client, name: name, options: DockerTest.options(name, "echo one; echo two >&2; echo three", tty: true)) { id in
            #expect(try await DockerTest.waitForExit(client, id) == 0)
            let raw = try await client.containerLogsRaw(id)
            #expect(!raw.multiplexed)
            let lines = try await Self.lines(try await client.containerLogs(id))
            #expect(lines.map(\.text) == ["one", "two", "three"])
            #expect(lines.allSatisfy { $0.stream == .stdout })
            // Told it is a TTY container, no inspect is needed and the result is the same.
            let told = try await Self.lines(try await client.containerLogs(id, tty: true))
            #expect(told == lines)
        }
    }
}
