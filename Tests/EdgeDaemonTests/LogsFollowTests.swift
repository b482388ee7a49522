import DockerClient
import EdgeDaemon
import EdgeTestSupport
import Foundation
import IoTHubProtocol
import MQTTTestSupport
import NIOHTTP1
import Testing

@Suite("Followed module logs and docker_stats through the real edged and Docker (§2.4, §2.6)", .serialized)
struct LogsFollowTests {
    static let v = "api-version=2020-07-07"

    /// A module printing `line N` on stdout and `err N` on stderr every second.
    static func tickingSpec(_ name: String) -> String {
        EdgeTestDevice.moduleSpec(name, output: "trap 'exit 0' TERM; i=0; while true; do echo line $i; echo err $i >&2; i=$((i+1)); sleep 1; done")
    }

    /// The N of a `line N\n` or `err N\n` frame.
    static func number(_ frame: DockerLogFrame) -> Int? {
        frame.text.split(separator: " ").last.flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    /// Creates (as the agent) and starts the ticking module; waits until it has printed `lines` lines.
    static func startTicking(_ device: EdgeTestDevice, _ name: String, lines: Int = 2) async throws {
        let created = try await device.asAgent("POST", "/modules?\(v)", json: tickingSpec(name))
        guard created.status == 201 else { throw TestFailure("create \(name): \(created.status) \(created.body)") }
        try await device.client.startModule(name)
        let printed = await eventually(timeout: .seconds(30)) {
            ((try? await device.client.logs(name)) ?? []).filter { $0.stream == .stdout }.count >= lines
        }
        guard printed else { throw TestFailure("\(name) printed fewer than \(lines) lines: \(device.edgedLog.suffix(2000))") }
    }

    @Test("follow: curl -N and ManagementClient get lines while the module runs; tail + follow; stopping the module ends both")
    func follow() async throws {
        try await withEdgeDevice { device in
            try device.writeEdgedConfig()
            try await device.startEdged()
            _ = try await device.waitForAgentRunning()
            let name = device.moduleName("ticker")
            try await Self.startTicking(device, name)

            // curl -N on the host: the chunked text/plain answer grows while the module runs.
            let headers = "\(device.root)/follow-headers"
            let curl = try ChildProcess(
                "curl", ["-sS", "-N", "-D", headers, "--unix-socket", device.managementSocket, "http://localhost/modules/\(name)/logs?\(Self.v)&follow=true"]
            )
            defer { curl.terminate() }
            let before = try await device.client.logs(name).compactMap(Self.number).max() ?? 0
            let grew = await eventually(timeout: .seconds(30)) { curl.stdout.contains("line \(before + 3)\n") }
            #expect(grew, "curl's output: \(curl.stdout.suffix(300)) \(curl.stderr)")
            #expect(curl.isRunning, "the followed answer ended while the module runs")
            let head = ((try? String(contentsOfFile: headers, encoding: .utf8)) ?? "").lowercased()
            #expect(head.hasPrefix("http/1.1 200"), "\(head)")
            #expect(head.contains("transfer-encoding: chunked"), "\(head)")
            #expect(head.contains("content-type: text/plain"), "\(head)")
            #expect(!head.contains("content-length"), "\(head)")

            // ManagementClient: frames demultiplexed as they come, stdout and stderr, new ones after the call.
            let start = try await device.client.logs(name).compactMap(Self.number).max() ?? 0
            var seen: [DockerLogFrame] = []
            for try await frame in try await device.client.followLogs(name) {
                seen.append(frame)
                if frame.stream == .stdout, let n = Self.number(frame), n >= start + 2 { break }
            }
            #expect(seen.prefix(2).contains { $0.text == "line 0\n" }, "without tail, from the beginning: \(seen.prefix(2).map(\.text))")
            #expect(seen.contains { $0.stream == .stderr && $0.text == "err \(start + 1)\n" }, "\(seen.map(\.text))")
            #expect(try await device.client.module(name).status == .running)

            // tail + follow: the last two frames first (not the beginning), then new ones.
            let latest = try await device.client.logs(name).compactMap(Self.number).max() ?? 0
            var tailed: [DockerLogFrame] = []
            for try await frame in try await device.client.followLogs(name, tail: "2") {
                tailed.append(frame)
                if let n = Self.number(frame), n >= latest + 2 { break }
            }
            let firstTwo = tailed.prefix(2).compactMap(Self.number)
            #expect(firstTwo.count == 2 && firstTwo.allSatisfy { $0 >= latest - 1 && $0 > 0 }, "\(tailed.map(\.text)), latest \(latest)")

            // Stopping the module ends the followed streams: the client's iteration returns, curl exits 0.
            let follower = Task {
                var frames: [DockerLogFrame] = []
                for try await frame in try await device.client.followLogs(name, tail: "0") { frames.append(frame) }
                return frames
            }
            let current = try await device.client.logs(name).compactMap(Self.number).max() ?? 0
            #expect(await eventually(timeout: .seconds(30)) { curl.stdout.contains("line \(current + 1)\n") })
            try await device.client.stopModule(name)
            let ended = try await withThrowingTaskGroup(of: [DockerLogFrame]?.self) { group in
                group.addTask { try await follower.value }
                group.addTask {
                    try await Task.sleep(for: .seconds(60))
                    return nil
                }
                let first = try await group.next() ?? nil
                group.cancelAll()
                follower.cancel()
                return first
            }
            #expect(ended != nil, "the followed stream did not end when the module stopped")
            #expect(try await curl.waitForExit(timeout: .seconds(60)) == 0, "\(curl.stderr)")
            #expect(curl.stdout.contains("line \(current + 1)\n"))
        }
    }

    @Test("follow of an unknown module is Docker's 404; a bad follow value is 400")
    func followErrors() async throws {
        try await withEdgeDevice { device in
            try device.writeEdgedConfig()
            try await device.startEdged()
            _ = try await device.waitForAgentRunning()
            var failure: ManagementClientError?
            do {
                _ = try await device.client.followLogs("no-such-\(device.instance)")
            } catch let error as ManagementClientError {
                failure = error
            }
            #expect(failure?.status == .notFound, "\(String(describing: failure))")
            let bad = try await device.asHost("GET", "/modules/\(device.agentName)/logs?\(Self.v)&follow=yes")
            #expect(bad.status == 400 && bad.body == #"{"message":"invalid parameter: follow"}"#)
        }
    }

    @Test("cancelled follows (client task cancelled, consumer gone, curl killed) leave no connections open in edged")
    func cancelledFollowsCloseDockerConnections() async throws {
        try await withEdgeDevice { device in
            try device.writeEdgedConfig()
            try await device.startEdged()
            _ = try await device.waitForAgentRunning()
            // A module that prints one line and then nothing: a follower that is gone is only noticed through
            // cancellation, never through a failed write.
            let name = device.moduleName("quiet")
            let created = try await device.asAgent("POST", "/modules?\(Self.v)", json: EdgeTestDevice.moduleSpec(name, output: "echo started"))
            #expect(created.status == 201, "\(created.body)")
            try await device.client.startModule(name)
            #expect(await eventually(timeout: .seconds(30)) { ((try? await device.client.logs(name)) ?? []).map(\.text) == ["started\n"] })
            let pid = try edgedPID(device)
            func openFiles() -> Int { (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count) ?? -1 }
            // Settle: edged's start-up work is done once the agent and the module run.
            try await Task.sleep(for: .seconds(2))
            let baseline = openFiles()
            #expect(baseline > 0)

            // Five follows held open: each is a management connection plus a Docker connection in edged.
            var held: [Task<Void, any Error>] = []
            for _ in 0..<5 {
                held.append(Task {
                    for try await _ in try await device.client.followLogs(name) {}
                })
            }
            #expect(await eventually(timeout: .seconds(30)) { openFiles() >= baseline + 10 }, "\(openFiles()) open files, \(baseline) before")
            for task in held { task.cancel() }
            #expect(await eventually(timeout: .seconds(30)) { openFiles() <= baseline + 2 }, "\(openFiles()) open files, \(baseline) before")

            // Many more, each stopped after its first frame, in the three ways a follower goes away.
            for round in 0..<10 {
                let cancelled = Task {
                    for try await _ in try await device.client.followLogs(name, tail: "1") {
                        try await Task.sleep(for: .seconds(3600))
                    }
                }
                do {
                    for try await _ in try await device.client.followLogs(name, tail: "1") { break }
                }
                let curl = try ChildProcess(
                    "curl", ["-sS", "-N", "--unix-socket", device.managementSocket, "http://localhost/modules/\(name)/logs?\(Self.v)&follow=true&tail=1"]
                )
                #expect(await eventually(timeout: .seconds(30)) { curl.stdout.contains("started") }, "round \(round): \(curl.stderr)")
                curl.kill()
                cancelled.cancel()
                _ = try? await curl.waitForExit()
            }
            #expect(await eventually(timeout: .seconds(30)) { openFiles() <= baseline + 2 }, "\(openFiles()) open files, \(baseline) before")
            #expect(try await device.client.module(name).status == .running)
        }
    }

    @Test("resources: docker_stats is a string holding a JSON array of one Docker stats object per module")
    func dockerStats() async throws {
        try await withEdgeDevice { device in
            try device.writeEdgedConfig()
            try await device.startEdged()
            _ = try await device.waitForAgentRunning()
            let name = device.moduleName("ticker")
            try await Self.startTicking(device, name, lines: 1)
            let answer = try await device.asHost("GET", "/systeminfo/resources?\(Self.v)")
            #expect(answer.status == 200, "\(answer.body)")
            let resources = try json(answer.body)
            let statsText = try #require(resources["docker_stats"]?.stringValue, "\(answer.body.prefix(500))")
            let stats = try #require(try json(statsText).arrayValue)
            let modules = try await device.client.modules().map(\.name)
            #expect(stats.count == modules.count && modules.count == 2, "\(modules)")
            #expect(Set(stats.compactMap { $0["name"]?.stringValue }) == Set(modules.map { "/\($0)" }))
            for sample in stats {
                #expect(sample["id"]?.stringValue?.isEmpty == false)
                #expect(sample["memory_stats"]?.objectValue != nil && sample["cpu_stats"]?.objectValue != nil)
            }
            #expect((resources["total_ram"]?.intValue ?? 0) > 0)

            let viaClient = try await device.client.systemResources()
            #expect(viaClient["docker_stats"]?.stringValue?.hasPrefix("[") == true)
        }
    }
}

/// The pid of this device's `aziot-edged` (its command line names the binary and its environment the instance).
func edgedPID(_ device: EdgeTestDevice) throws -> Int32 {
    let marker = Data("AZIOT_EDGED_INSTANCE=\(device.instance)\u{0}".utf8)
    for entry in try FileManager.default.contentsOfDirectory(atPath: "/proc") {
        guard let pid = Int32(entry) else { continue }
        guard let command = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline"),
            String(decoding: command.prefix { $0 != 0 }, as: UTF8.self).hasSuffix("aziot-edged"),
            let environment = FileManager.default.contents(atPath: "/proc/\(entry)/environ"),
            environment.range(of: marker) != nil
        else { continue }
        return pid
    }
    throw TestFailure("no aziot-edged process with AZIOT_EDGED_INSTANCE=\(device.instance)")
}
