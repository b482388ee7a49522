/// Who is calling identityd, decided from the caller's uid alone (§4.3).
public enum Caller: Sendable, Equatable {
    /// uid 0 without a principal entry.
    case localRoot
    /// The principal without `idtype` (IoT Edge's `aziot-edged`): trusted like root.
    case daemon
    /// A principal with `idtype`: may read only its own identities.
    case hostProcess(IdentityPrincipal)
    /// Any other uid.
    case unknown
}

/// What a caller wants to do; checked against the matrix of §4.3.
public enum IdentityOperation: Sendable, Equatable {
    case getDevice
    case getModule(String)
    case getAllHubModules
    case createModule(String)
    case updateModule(String)
    case deleteModule(String)
    case reprovisionDevice
    case getTrustBundle
}

/// The uid → caller mapping and the authorization matrix, built from the principals of one configuration.
public struct CallerAuthorization: Sendable {
    /// Principals by uid; a later entry for the same uid replaces an earlier one, as in the reference's map.
    public let principalsByUID: [UInt32: IdentityPrincipal]

    public init(principals: [IdentityPrincipal]) {
        var map: [UInt32: IdentityPrincipal] = [:]
        var sawDaemon = false
        for principal in principals {
            if principal.idTypes == nil {
                // Only the first principal without a type is the daemon; the reference skips further ones.
                if sawDaemon { continue }
                sawDaemon = true
            }
            map[principal.uid] = principal
        }
        principalsByUID = map
    }

    public init(configuration: IdentitydConfiguration) {
        self.init(principals: configuration.principals)
    }

    /// Authentication: principals first (so a host process may run as root), then root, then unknown.
    public func caller(uid: UInt32) -> Caller {
        if let principal = principalsByUID[uid] {
            return principal.idTypes == nil ? .daemon : .hostProcess(principal)
        }
        return uid == 0 ? .localRoot : .unknown
    }

    /// Authorization per the matrix of §4.3.
    public static func isAllowed(_ caller: Caller, _ operation: IdentityOperation) -> Bool {
        switch caller {
        case .localRoot, .daemon:
            return true
        case .unknown:
            return operation == .getTrustBundle
        case .hostProcess(let principal):
            switch operation {
            case .getDevice:
                return principal.has(.device)
            case .getModule(let module):
                return module == principal.name && (principal.has(.module) || principal.has(.local))
            case .getAllHubModules, .createModule, .updateModule, .deleteModule, .reprovisionDevice:
                return false
            case .getTrustBundle:
                return true
            }
        }
    }

    public func isAllowed(uid: UInt32, _ operation: IdentityOperation) -> Bool {
        Self.isAllowed(caller(uid: uid), operation)
    }
}
