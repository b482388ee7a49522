import Dispatch
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// What a finished command printed and how it ended.
struct CommandResult: Sendable {
    var status: Int32
    var stdout: String
    var stderr: String
    /// The command was killed because it ran longer than allowed.
    var timedOut = false

    var output: String { [stdout, stderr].map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }.joined(separator: "\n") }
}

/// Runs helper programs (aziotctl, aziot-edged --version, nsenter, openssl, systemctl) to completion on a dispatch
/// thread, never on the cooperative pool, with a time limit.
enum CommandRunner {
    struct LaunchError: Error, CustomStringConvertible {
        var description: String
    }

    static func run(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil, timeout: Duration = .seconds(60)
    ) async throws(LaunchError) -> CommandResult {
        let outcome: Result<CommandResult, LaunchError> = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(returning: runBlocking(executable, arguments, environment: environment, timeout: timeout))
            }
        }
        return try outcome.get()
    }

    /// What ``stream(_:_:environment:timeout:)`` delivers: each line of standard output as it is printed, then the end
    /// (standard error and status; `stdout` is empty) or the failure to start.
    enum StreamEvent: Sendable {
        case line(String)
        case finished(CommandResult)
        case failed(LaunchError)
    }

    /// Runs a command and delivers its standard output line by line while it runs.
    static func stream(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil, timeout: Duration = .seconds(60)
    ) -> AsyncStream<StreamEvent> {
        AsyncStream { continuation in
            DispatchQueue.global().async {
                let result = runBlocking(executable, arguments, environment: environment, timeout: timeout) { line in
                    continuation.yield(.line(line))
                }
                switch result {
                case .success(let result): continuation.yield(.finished(result))
                case .failure(let error): continuation.yield(.failed(error))
                }
                continuation.finish()
            }
        }
    }

    private static func runBlocking(
        _ executable: String, _ arguments: [String], environment: [String: String]?, timeout: Duration,
        onLine: (@Sendable (String) -> Void)? = nil
    ) -> Result<CommandResult, LaunchError> {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            return .failure(LaunchError(description: "could not run \(executable): \(error.localizedDescription)"))
        }
        let timedOut = Locked(false)
        let finished = Locked(false)
        let pid = process.processIdentifier
        let killer = DispatchWorkItem {
            guard !finished.value else { return }
            timedOut.set(true)
            kill(pid, SIGKILL)
        }
        let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
        DispatchQueue.global().asyncAfter(deadline: .now() + seconds, execute: killer)
        let group = DispatchGroup()
        let errorData = Locked(Data())
        let errorHandle = stderr.fileHandleForReading
        group.enter()
        DispatchQueue.global().async {
            errorData.set(errorHandle.readDataToEndOfFile())
            group.leave()
        }
        var outputData = Data()
        let outputHandle = stdout.fileHandleForReading
        if let onLine {
            // Line by line as the command prints: `availableData` blocks until there is some, and is empty at the end.
            var pending = Data()
            while true {
                let chunk = outputHandle.availableData
                if chunk.isEmpty { break }
                pending.append(chunk)
                while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                    onLine(String(decoding: pending[pending.startIndex..<newline], as: UTF8.self))
                    pending.removeSubrange(pending.startIndex...newline)
                }
            }
            if !pending.isEmpty { onLine(String(decoding: pending, as: UTF8.self)) }
        } else {
            outputData = outputHandle.readDataToEndOfFile()
        }
        group.wait()
        process.waitUntilExit()
        finished.set(true)
        killer.cancel()
        return .success(CommandResult(
            status: process.terminationStatus, stdout: String(decoding: outputData, as: UTF8.self),
            stderr: String(decoding: errorData.value, as: UTF8.self), timedOut: timedOut.value))
    }

    /// `name` in the directories of `PATH` (or the usual system ones when PATH is unset), if executable there.
    static func find(_ name: String, environment: [String: String]) -> String? {
        if name.contains("/") { return FileManager.default.isExecutableFile(atPath: name) ? name : nil }
        let path = environment["PATH"] ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
        for directory in path.split(separator: ":") where FileManager.default.isExecutableFile(atPath: "\(directory)/\(name)") {
            return "\(directory)/\(name)"
        }
        return nil
    }
}

/// A value shared between the reading, killing and waiting threads of one command.
private final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>
    init(_ value: Value) { mutex = Mutex(value) }
    var value: Value { mutex.withLock { $0 } }
    func set(_ value: Value) { mutex.withLock { $0 = value } }
}
