import DockerClient
import EdgeDaemon
import Foundation

/// The DESCRIPTION column: `Up <how long>`, `Stopped <how long ago>`, `Failed (<code>) <how long ago>` or `Unknown`,
/// in chrono-humanize's English (precise under 20 seconds, rough above).
enum StatusDescription {
    static func text(for module: ManagementClient.Module, now: Date) -> String {
        switch module.status {
        case .running:
            guard let start = module.startTime.flatMap(DockerTime.parseRFC3339) else { return "Up" }
            return "Up \(humanize(now.timeIntervalSince(start), past: false))"
        case .stopped, .dead:
            guard let exit = module.exitTime.flatMap(DockerTime.parseRFC3339) else { return "Stopped" }
            return "Stopped \(humanize(now.timeIntervalSince(exit), past: true))"
        case .failed:
            let code = module.exitCode ?? "?"
            guard let exit = module.exitTime.flatMap(DockerTime.parseRFC3339) else { return "Failed (\(code))" }
            return "Failed (\(code)) \(humanize(now.timeIntervalSince(exit), past: true))"
        case .unknown:
            return "Unknown"
        }
    }

    /// A duration in words; `past` adds " ago" (nothing is added to the rough "now", which only durations of 10 s or
    /// less would give, and those are worded precisely).
    static func humanize(_ interval: TimeInterval, past: Bool) -> String {
        let seconds = Int(max(0, interval).rounded(.down))
        let words = seconds < 20 ? precise(seconds) : rough(seconds)
        return past && words != "now" ? words + " ago" : words
    }

    static func precise(_ seconds: Int) -> String {
        switch seconds {
        case 1: "1 second"
        default: "\(seconds) seconds"
        }
    }

    static func rough(_ seconds: Int) -> String {
        let minute = 60, hour = 3_600, day = 86_400, week = 604_800, month = 2_592_000, year = 31_536_000
        switch seconds {
        case (547 * day + 1)...: return "\(max(seconds / year, 2)) years"
        case (345 * day + 1)...: return "a year"
        case (45 * day + 1)...: return "\(max(seconds / month, 2)) months"
        case (29 * day + 1)...: return "a month"
        case (10 * day + 12 * hour + 1)...: return "\(max(seconds / week, 2)) weeks"
        case (6 * day + 12 * hour + 1)...: return "a week"
        case (36 * hour + 1)...: return "\(max(seconds / day, 2)) days"
        case (22 * hour + 1)...: return "a day"
        case (90 * minute + 1)...: return "\(max(seconds / hour, 2)) hours"
        case (45 * minute + 1)...: return "an hour"
        case 91...: return "\(max(seconds / minute, 2)) minutes"
        case 46...: return "a minute"
        case 11...: return "\(seconds) seconds"
        default: return "now"
        }
    }
}
