/// Whether an enrollment may provision devices (`provisioningStatus`: `"enabled"` or `"disabled"`).
public enum ProvisioningStatus: String, Sendable, Hashable, CaseIterable {
    /// Devices of the enrollment may register (the default).
    case enabled
    /// Registrations are refused.
    case disabled
}
