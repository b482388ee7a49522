/// A device (`moduleId == nil`) or module identity, as a dictionary key.
struct IdentityKey: Hashable, Sendable, CustomStringConvertible {
    var deviceId: String
    var moduleId: String?

    var description: String { moduleId.map { "\(deviceId)/\($0)" } ?? deviceId }
}
