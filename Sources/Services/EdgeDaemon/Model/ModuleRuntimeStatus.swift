/// A module's `runtimeStatus.status` (lowercase on the wire).
public enum ModuleRuntimeStatus: String, Sendable, Hashable {
    case running, stopped, failed, dead, unknown

    /// The reference's mapping of Docker's `State.Status`: `created|paused|restarting → stopped`;
    /// `removing|exited → stopped` when the exit code is 0, else `failed`; `dead → dead`; `running → running`;
    /// anything else `unknown`. (`unhealthy` is never produced.)
    public init(dockerStatus: String, exitCode: Int64) {
        switch dockerStatus {
        case "created", "paused", "restarting": self = .stopped
        case "removing", "exited": self = exitCode == 0 ? .stopped : .failed
        case "dead": self = .dead
        case "running": self = .running
        default: self = .unknown
        }
    }
}
