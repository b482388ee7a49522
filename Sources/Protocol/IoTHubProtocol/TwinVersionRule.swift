/// How ``TwinProperties/applying(patch:versionRule:)`` sets `$version` after a patch.
public enum TwinVersionRule: Sendable, Hashable {
    /// `version + 1` (what the hub does for a stored reported patch).
    case increment
    /// The patch's own `$version` (desired patches from the cloud carry it); missing is an error.
    case fromPatch
    /// A version chosen by the caller.
    case explicit(Int64)
    /// Leave the version as it is.
    case unchanged
}
