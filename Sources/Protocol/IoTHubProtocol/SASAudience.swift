/// The identity a SAS token is scoped to (its `sr` resource): `{host}/devices/{deviceId}` or
/// `{host}/devices/{deviceId}/modules/{moduleId}`.
///
/// On the wire the ids are percent-encoded inside the path and the whole path is percent-encoded
/// again (§6.1): device `a b` on `hub` gives ``resource`` `hub/devices/a%20b` and ``encodedResource``
/// `hub%2Fdevices%2Fa%2520b`.
///
/// Parsing (``init(parsing:)``) takes the `sr` value as sent: it is percent-decoded once (strictly),
/// split on `/` into 3 or 5 parts (anything else is malformed), the literal segments `devices` and
/// `modules` are matched case-insensitively, host and ids must be non-empty, and each id is
/// percent-decoded a second time. If that second decoding fails (an id containing a bare `%`, as the
/// Python SDK, which encodes only once, would send), the once-decoded id is used.
public enum SASAudience: Sendable, Hashable, CustomStringConvertible {
    /// A device token's audience.
    case device(hostName: String, deviceId: String)
    /// A module token's audience.
    case module(hostName: String, deviceId: String, moduleId: String)

    /// Parses an `sr` value as sent (URL-encoded).
    public init(parsing encodedResource: some StringProtocol) throws(SharedAccessSignatureError) {
        let decoded: String
        do {
            decoded = try PercentEncoding.decode(encodedResource)
        } catch {
            throw SharedAccessSignatureError(code: .malformedAudience, message: "audience: \(error.message)")
        }
        let parts = decoded.split(separator: "/", omittingEmptySubsequences: false)
        func malformed(_ why: String) -> SharedAccessSignatureError {
            SharedAccessSignatureError(code: .malformedAudience, message: "audience \"\(decoded)\" is malformed: \(why)")
        }
        guard parts.count == 3 || parts.count == 5 else {
            throw malformed("expected {host}/devices/{deviceId}[/modules/{moduleId}]")
        }
        guard !parts[0].isEmpty else { throw malformed("empty host name") }
        guard parts[1].lowercased() == "devices" else { throw malformed("second segment must be \"devices\"") }
        guard !parts[2].isEmpty else { throw malformed("empty device id") }
        let hostName = String(parts[0])
        let deviceId = Self.decodeId(parts[2])
        if parts.count == 3 {
            self = .device(hostName: hostName, deviceId: deviceId)
            return
        }
        guard parts[3].lowercased() == "modules" else { throw malformed("fourth segment must be \"modules\"") }
        guard !parts[4].isEmpty else { throw malformed("empty module id") }
        self = .module(hostName: hostName, deviceId: deviceId, moduleId: Self.decodeId(parts[4]))
    }

    private static func decodeId(_ segment: Substring) -> String {
        (try? PercentEncoding.decode(segment)) ?? String(segment)
    }

    /// The IoT Hub host name.
    public var hostName: String {
        switch self {
        case .device(let hostName, _), .module(let hostName, _, _): hostName
        }
    }

    /// The device id.
    public var deviceId: String {
        switch self {
        case .device(_, let deviceId), .module(_, let deviceId, _): deviceId
        }
    }

    /// The module id, for a module audience.
    public var moduleId: String? {
        switch self {
        case .device: nil
        case .module(_, _, let moduleId): moduleId
        }
    }

    /// The raw resource with the ids percent-encoded once: `{host}/devices/{enc(d)}[/modules/{enc(m)}]`.
    /// Pass it to ``SharedAccessSignature/make(resource:key:expiry:keyName:)``, which encodes it again.
    public var resource: String {
        var text = "\(hostName)/devices/\(PercentEncoding.encode(deviceId))"
        if let moduleId { text += "/modules/\(PercentEncoding.encode(moduleId))" }
        return text
    }

    /// The resource as it appears in `sr`: ``resource`` percent-encoded.
    public var encodedResource: String { PercentEncoding.encode(resource) }

    public var description: String { resource }

    /// Whether the host equals one of `hostNames`, ignoring case (the hub accepts its IoT Hub host
    /// name and the edge device host name).
    public func hostMatches(anyOf hostNames: [String]) -> Bool {
        let host = hostName.lowercased()
        return hostNames.contains { $0.lowercased() == host }
    }

    /// Whether a token with this audience may authenticate the identity `deviceId[/moduleId]`
    /// (ids compared case-insensitively, per §6.1):
    /// - a device identity needs a device audience naming the same device;
    /// - a module identity accepts its own module audience **or** its parent device's audience.
    public func authorizes(deviceId: String, moduleId: String?) -> Bool {
        guard self.deviceId.lowercased() == deviceId.lowercased() else { return false }
        switch (self, moduleId) {
        case (.device, _):
            return true
        case (.module, nil):
            return false
        case (.module(_, _, let audienceModule), let moduleId?):
            return audienceModule.lowercased() == moduleId.lowercased()
        }
    }
}
