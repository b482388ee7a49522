import Foundation
import MQTTTestSupport

/// The built `iotedge` binary run as a child process.
enum Iotedge {
    static var path: String {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("iotedge").path,
            projectRoot().appendingPathComponent(".build/debug/iotedge").path,
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[1]
    }

    /// Runs `iotedge arguments…` with `environment` added to this process's (systemd always absent unless given).
    static func run(_ arguments: [String], environment: [String: String] = [:], timeout: Duration = .seconds(120)) async throws
        -> (status: Int32, stdout: String, stderr: String)
    {
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw TestFailure("iotedge is not built next to the tests; build with `swift build --build-tests`")
        }
        var environment = environment
        if environment["AZIOTCTL_SYSTEMD_MARKER"] == nil { environment["AZIOTCTL_SYSTEMD_MARKER"] = "/nonexistent/iotedge-tests/no-systemd" }
        return try await ChildProcess.run(path, arguments, environment: environment, timeout: timeout)
    }
}

/// A scratch directory removed by ``remove()``.
struct ScratchDirectory {
    let path: String

    init(_ prefix: String) throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func write(_ name: String, _ text: String) throws -> String {
        let file = "\(path)/\(name)"
        try FileManager.default.createDirectory(atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}
