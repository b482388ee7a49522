import DockerClient
import EdgeDaemon
import EdgeTestSupport
import Foundation
import MQTTTestSupport
import Testing

@Suite("GET /systeminfo/supportbundle: a zip of module logs, inspect output and networks")
struct SupportBundleTests {
    /// The names in a zip, after Python's zipfile checked every entry's CRC (an independent reader).
    static func zipNames(_ path: String) async throws -> [String] {
        let script = "import sys, zipfile\nz = zipfile.ZipFile(sys.argv[1])\nassert z.testzip() is None\nprint('\\n'.join(z.namelist()))"
        let result = try await ChildProcess.run("python3", ["-c", script, path])
        guard result.status == 0 else { throw TestFailure("zipfile rejected \(path): \(result.stderr)") }
        return result.stdout.split(separator: "\n").map(String.init)
    }

    /// One entry's text, read by Python's zipfile.
    static func zipEntry(_ path: String, _ name: String) async throws -> String {
        let script = "import sys, zipfile\nsys.stdout.write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]).decode())"
        let result = try await ChildProcess.run("python3", ["-c", script, path, name])
        guard result.status == 0 else { throw TestFailure("cannot read \(name) from \(path): \(result.stderr)") }
        return result.stdout
    }

    @Test("the zip holds each module's logs and inspect output, its networks and systeminfo; edge_runtime_only limits it")
    func bundle() async throws {
        try await withEdgeDevice { device in
            try device.writeEdgedConfig()
            try await device.startEdged()
            _ = try await device.waitForAgentRunning()
            let name = device.moduleName("bundle")
            #expect(try await device.asAgent("POST", "/modules?api-version=2020-07-07", json: EdgeTestDevice.moduleSpec(name, output: "echo bundled-line")).status == 201)
            #expect(try await device.asHost("POST", "/modules/\(name)/start?api-version=2020-07-07").status == 204)
            #expect(await eventually(timeout: .seconds(20)) { ((try? await device.client.logs(name)) ?? []).contains { $0.text == "bundled-line\n" } })

            #expect(try await device.asHost("GET", "/systeminfo/supportbundle?api-version=2019-11-05").status == 404)
            #expect(try await device.asHost("GET", "/systeminfo/supportbundle?api-version=2020-07-07&since=never").status == 400)
            let path = "\(device.root)/bundle.zip"
            let download = try await ChildProcess.run(
                "curl", ["-s", "-f", "--unix-socket", device.managementSocket, "-o", path, "-D", "\(path).headers", "http://localhost/systeminfo/supportbundle?api-version=2020-07-07&since=1%20day"]
            )
            #expect(download.status == 0, "\(download.stderr)")
            #expect(try String(contentsOfFile: "\(path).headers", encoding: .utf8).lowercased().contains("content-type: application/zip"))
            let names = try await Self.zipNames(path)
            for expected in ["logs/\(name)_log.txt", "inspect/\(name).json", "logs/\(device.agentName)_log.txt", "inspect/\(device.agentName).json", "network/host.json", "systeminfo.json"] {
                #expect(names.contains(expected), "\(expected) in \(names)")
            }
            #expect(try await Self.zipEntry(path, "logs/\(name)_log.txt") == "bundled-line\n")

            let runtimeOnly = "\(device.root)/runtime.zip"
            _ = try await ChildProcess.run(
                "curl", ["-s", "-f", "--unix-socket", device.managementSocket, "-o", runtimeOnly, "http://localhost/systeminfo/supportbundle?api-version=2021-12-07&edge_runtime_only=true"]
            )
            let runtimeNames = try await Self.zipNames(runtimeOnly)
            #expect(runtimeNames.contains("inspect/\(device.agentName).json") && !runtimeNames.contains("inspect/\(name).json"), "\(runtimeNames)")
        }
    }

    @Test("a zip of several entries, empty and not, reads back with Python's zipfile")
    func zipArchive() async throws {
        var zip = ZipArchive()
        zip.add("a.txt", text: "hello\n")
        zip.add("dir/empty", [])
        zip.add("dir/ünïcode.bin", (0..<1000).map { UInt8($0 % 251) })
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("zip-\(UUID().uuidString.prefix(8)).zip").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(zip.bytes).write(to: URL(fileURLWithPath: path))
        #expect(try await Self.zipNames(path) == ["a.txt", "dir/empty", "dir/ünïcode.bin"])
        #expect(try await Self.zipEntry(path, "a.txt") == "hello\n")
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
    }
}
