import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Finds an executable on PATH.
public func executablePath(_ name: String) throws -> String {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    for directory in path.split(separator: ":") + ["/usr/sbin", "/usr/bin"] {
        let candidate = "\(directory)/\(name)"
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    throw TestFailure("\(name) not found on PATH; run scripts/setup.sh")
}

/// A child process (mosquitto_sub, mosquitto_pub, ...) whose output is collected as it comes, without
/// blocking any thread. Call ``terminate()`` (in a `defer`) on every one started: it signals only this PID.
///
/// Output goes to temporary files rather than pipes: Foundation's `Process` on Linux lets children spawned at
/// the same time inherit each other's pipe ends, so a pipe's end of file can wait for an unrelated process.
public final class ChildProcess: @unchecked Sendable {
    // `Process` is not Sendable; it is configured in `init` and then only used through its thread-safe
    // accessors (`isRunning`, `processIdentifier`, `terminate`). The exit status sits behind a lock.
    private let process = Process()
    private final class ExitStatus: Sendable {
        let value = Mutex<Int32?>(nil)
    }

    private let exit = ExitStatus()
    private let stdoutPath: String
    private let stderrPath: String
    public let commandLine: String

    /// Starts `name` (looked up on PATH, or a path) with `arguments`; `stdinFile` becomes its standard input;
    /// `environment` entries are added to (or replace) the test process's environment.
    public init(_ name: String, _ arguments: [String], stdinFile: String? = nil, environment: [String: String] = [:]) throws {
        process.executableURL = URL(fileURLWithPath: name.hasPrefix("/") ? name : try executablePath(name))
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        commandLine = ([name] + arguments).joined(separator: " ")
        if let stdinFile {
            guard let handle = FileHandle(forReadingAtPath: stdinFile) else { throw TestFailure("cannot read \(stdinFile)") }
            process.standardInput = handle
        } else {
            process.standardInput = FileHandle.nullDevice
        }
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("child-\(UUID().uuidString)").path
        stdoutPath = base + ".out"
        stderrPath = base + ".err"
        guard FileManager.default.createFile(atPath: stdoutPath, contents: nil),
            FileManager.default.createFile(atPath: stderrPath, contents: nil),
            let stdout = FileHandle(forWritingAtPath: stdoutPath),
            let stderr = FileHandle(forWritingAtPath: stderrPath)
        else { throw TestFailure("cannot create output files at \(base)") }
        process.standardOutput = stdout
        process.standardError = stderr
        process.terminationHandler = { [exit] process in
            let code = process.terminationStatus
            exit.value.withLock { $0 = code }
        }
        defer {
            try? stdout.close()
            try? stderr.close()
        }
        // The child inherits the spawning thread's signal mask, and Swift's worker threads block nearly every
        // signal: a mosquitto_sub started from one would never see SIGTERM. Spawn with nothing blocked.
        var unblocked = sigset_t()
        var previous = sigset_t()
        sigemptyset(&unblocked)
        pthread_sigmask(SIG_SETMASK, &unblocked, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        try process.run()
    }

    deinit {
        try? FileManager.default.removeItem(atPath: stdoutPath)
        try? FileManager.default.removeItem(atPath: stderrPath)
    }

    /// Whether the process has not exited yet.
    public var isRunning: Bool { exit.value.withLock { $0 == nil } }

    /// Sends SIGKILL to this process if it has not exited (it gets no chance to clean up).
    public func kill() { signal(SIGKILL) }

    /// Sends SIGTERM to this process if it has not exited.
    public func terminate() { signal(SIGTERM) }

    /// Signals this child's PID, and only while it has not been reaped (its exit status is unknown), so the
    /// PID cannot belong to another process. (`Process.terminate()` proved unreliable here.)
    private func signal(_ signal: Int32) {
        let pid = process.processIdentifier
        exit.value.withLock { status in
            if status == nil, pid > 0 { _ = Glibc.kill(pid, signal) }
        }
    }

    public var stdout: String { String(decoding: FileManager.default.contents(atPath: stdoutPath) ?? Data(), as: UTF8.self) }
    public var stderr: String { String(decoding: FileManager.default.contents(atPath: stderrPath) ?? Data(), as: UTF8.self) }

    /// Complete output lines so far.
    public var lines: [String] {
        var lines = stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        lines.removeLast()  // the unfinished part after the last newline (empty when the text ends with one)
        return lines
    }

    /// Waits for at least `count` lines of output; fails with what was seen otherwise.
    public func waitForLines(_ count: Int, timeout: Duration = .seconds(20)) async throws -> [String] {
        guard await eventually(timeout: timeout, { lines.count >= count }) else {
            throw TestFailure("\(commandLine): \(lines.count) of \(count) lines within \(timeout); stdout: \(stdout.suffix(500)) stderr: \(stderr.suffix(500))")
        }
        return lines
    }

    /// Waits for the process to exit; returns its exit status.
    public func waitForExit(timeout: Duration = .seconds(30)) async throws -> Int32 {
        let exited = await eventually(timeout: timeout) { exit.value.withLock { $0 != nil } }
        guard exited, let code = exit.value.withLock({ $0 }) else {
            terminate()
            throw TestFailure("\(commandLine) still running after \(timeout); stdout: \(stdout.suffix(500)) stderr: \(stderr.suffix(500))")
        }
        return code
    }

    /// Runs to completion (with a timeout) and returns status and output.
    public static func run(
        _ name: String, _ arguments: [String], stdinFile: String? = nil, environment: [String: String] = [:], timeout: Duration = .seconds(30)
    ) async throws -> (status: Int32, stdout: String, stderr: String) {
        let child = try ChildProcess(name, arguments, stdinFile: stdinFile, environment: environment)
        defer { child.terminate() }
        let status = try await child.waitForExit(timeout: timeout)
        return (status, child.stdout, child.stderr)
    }
}

