/// Whether a device may connect (`status`: `"enabled"` or `"disabled"`).
public enum DeviceStatus: String, Sendable, Hashable, Codable, CaseIterable {
    /// The device may connect (the default).
    case enabled
    /// The device is refused.
    case disabled
}
