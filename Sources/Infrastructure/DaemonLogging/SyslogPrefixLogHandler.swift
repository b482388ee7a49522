import Foundation
public import Logging

/// Writes log lines the way the reference daemons do, so existing log tooling keeps working:
/// `<prio>2026-11-21T20:41:00.123Z [INFO] - message`, with the syslog priority first
/// (3 error, 4 warning, 6 info, 7 debug/trace) and levels `TRCE DBUG INFO WARN ERR!`.
/// Metadata follows the message as `key=value`. Lines go to standard error, one `write` each.
public struct SyslogPrefixLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    private let label: String

    public init(label: String, level: Logger.Level = .info) {
        self.label = label
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
        FileHandle.standardError.write(Data(line.utf8))
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

    private static func timestamp() -> String {
        Date.now.formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
    }
}
