import Foundation
import IoTHubProtocol

/// Checks the `Authorization: SharedAccessSignature sr=…&sig=…&se=…&skn=…` header of a service request the way IoT
/// Hub does: the policy named by `skn` exists, the token is for this hub, not expired, and signed with one of the
/// policy's keys.
struct ServiceAuthenticator: Sendable {
    let policies: [SharedAccessPolicy]
    let hostNames: [String]
    var now: @Sendable () -> Date = { Date() }

    func authenticate(authorization: String?) throws(HubError) {
        guard let authorization, !authorization.isEmpty else {
            throw HubError(.iotHubUnauthorizedAccess, "the request has no Authorization header; sign it with a shared access policy key")
        }
        let token: SharedAccessSignature
        do {
            token = try SharedAccessSignature(parsing: authorization)
            try token.checkExpiry(at: now())
        } catch {
            throw HubError(.iotHubUnauthorizedAccess, "SAS token refused: \(error)")
        }
        guard let keyName = token.keyName, let policy = policies.first(where: { $0.name == keyName }) else {
            throw HubError(.iotHubUnauthorizedAccess, "no shared access policy named \(token.keyName ?? "(none)")")
        }
        let resource = (try? PercentEncoding.decode(token.resource)) ?? token.resource
        let host = resource.split(separator: "/").first.map(String.init) ?? resource
        guard hostNames.contains(where: { $0.caseInsensitiveCompare(host) == .orderedSame }) else {
            throw HubError(.iotHubUnauthorizedAccess, "the token is for \(host), not for this hub (\(hostNames.joined(separator: ", ")))")
        }
        do {
            try token.verifySignature(keys: [policy.primaryKey, policy.secondaryKey])
        } catch {
            throw HubError(.iotHubUnauthorizedAccess, "the token's signature does not match policy \(policy.name)")
        }
    }
}
