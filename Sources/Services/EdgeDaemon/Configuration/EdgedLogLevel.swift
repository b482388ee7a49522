import Foundation
public import Logging

/// `AZIOT_LOG` in env_logger syntax (`info`, `debug`, `aziot_edged=debug,info`): the last plain level wins.
public enum EdgedLogLevel {
    public static func parse(_ spec: String?) -> Logger.Level {
        guard let spec else { return .info }
        var level = Logger.Level.info
        for part in spec.split(separator: ",") where !part.contains("=") {
            switch part.trimmingCharacters(in: .whitespaces).lowercased() {
            case "trace": level = .trace
            case "debug": level = .debug
            case "info": level = .info
            case "warn", "warning": level = .warning
            case "error": level = .error
            case "off": level = .critical
            default: continue
            }
        }
        return level
    }
}
