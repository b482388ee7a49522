#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
public import Logging

/// Writes log lines the way the reference daemons do, so existing log tooling keeps working:
/// `<prio>2026-11-21T20:41:00.123Z [INFO] - message`, with the syslog priority first
/// (3 error, 4 warning, 6 info, 7 debug/trace) and levels `TRCE DBUG INFO WARN ERR!`.
/// Metadata follows the message as `key=value`. Each line goes to standard error in one `write`.
///
/// Built on libc only (no Foundation), which keeps a daemon's resident memory several MB smaller.
public struct SyslogPrefixLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]

    public init(label: String, level: Logger.Level = .info) {
        self.logLevel = level
    }

    /// Installs this handler for every logger of the process, at `level`.
    public static func bootstrap(level: Logger.Level) {
        LoggingSystem.bootstrap { SyslogPrefixLogHandler(label: $0, level: level) }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var line = "<\(Self.priority(event.level))>\(Self.timestamp()) [\(Self.levelName(event.level))] - \(event.message)"
        let merged = event.metadata.map { metadata.merging($0) { $1 } } ?? metadata
        if !merged.isEmpty {
            line += " " + merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        }
        line += "\n"
        var bytes = Array(line.utf8)
        bytes.withUnsafeMutableBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(2, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 && errno == EINTR { continue }
                guard written > 0 else { return }
                offset += written
            }
        }
    }

    static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info, .notice: 6
        case .warning: 4
        case .error, .critical: 3
        }
    }

    static func levelName(_ level: Logger.Level) -> String {
        switch level {
        case .trace: "TRCE"
        case .debug: "DBUG"
        case .info, .notice: "INFO"
        case .warning: "WARN"
        case .error, .critical: "ERR!"
        }
    }

    /// RFC 3339 UTC with milliseconds, e.g. `2026-11-21T20:41:00.123Z`.
    static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var seconds = now.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        let millis = Int32(now.tv_nsec / 1_000_000)
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(pad(millis, 3))Z"
    }
}
