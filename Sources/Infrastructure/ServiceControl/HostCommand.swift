import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Runs the host's `systemctl`/`journalctl` (from `/usr/bin`, `/bin`, `/usr/sbin` or `/sbin`).
public enum HostCommand {
    public struct Result: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
        public var output: String { [stdout, stderr].filter { !$0.isEmpty }.joined(separator: "\n") }
    }

    /// Runs a command to completion, capturing its output.
    public static func run(_ command: String, _ arguments: [String], searching directories: [String] = standardDirectories) throws(ServiceControlError) -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path(of: command, searching: directories) ?? "/usr/bin/\(command)")
        process.arguments = arguments
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw ServiceControlError("could not run \(command): \(error)")
        }
        // systemctl and journalctl write little to stderr: reading stdout to the end first cannot block them.
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        let err = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: out, as: UTF8.self), stderr: String(decoding: err, as: UTF8.self))
    }

    /// Runs a command with this process's standard output and error; returns its exit status.
    @discardableResult
    public static func runAttached(_ command: String, _ arguments: [String], searching directories: [String] = standardDirectories) throws(ServiceControlError) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path(of: command, searching: directories) ?? "/usr/bin/\(command)")
        process.arguments = arguments
        // What this process printed must come out before the child's output (stdout is buffered when not a terminal).
        fflush(nil)
        do {
            try process.run()
        } catch {
            throw ServiceControlError("could not run \(command): \(error)")
        }
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// Where the host's commands are looked for.
    public static let standardDirectories = ["/usr/bin", "/bin", "/usr/sbin", "/sbin"]

    /// Where `command` is installed, or nil.
    public static func path(of command: String, searching directories: [String] = standardDirectories) -> String? {
        for directory in directories where FileManager.default.isExecutableFile(atPath: "\(directory)/\(command)") {
            return "\(directory)/\(command)"
        }
        return nil
    }

    /// A line on standard error.
    public static func printError(_ message: String) {
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }
}
