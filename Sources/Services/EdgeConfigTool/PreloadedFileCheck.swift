public import AziotConfig
import TOMLConfig

#if canImport(Glibc)
import Glibc
#if canImport(CoreFoundation)
import CoreFoundation  // with Foundation in the build, the C stat/timespec types are attributed to it
#endif
#elseif canImport(Darwin)
import Darwin
#endif

/// The most common support problem with the reference: a preloaded key or certificate file (or one of its
/// parent directories) that the service user cannot read, which surfaces later as an opaque "internal error".
/// `config apply` checks each file the generated configs name against the user that will read it and warns
/// with the exact path, user, mode and owner.
public enum PreloadedFileCheck {
    /// One file a service will read: `file://` keys in keyd (`aziotks`), certificates in certd (`aziotcs`), the
    /// DPS payload in identityd (`aziotid`).
    public struct Reference: Sendable {
        public let path: String
        public let what: String
        public let user: String
    }

    /// The files `aziotctl config apply`'s configs name.
    public static func references(in output: ConfigApply.Output) -> [Reference] {
        references(keyd: output.keyd, certd: output.certd, identityd: output.identityd)
    }

    /// The files `iotedge config apply`'s configs name.
    public static func references(in output: EdgeConfigApply.Output) -> [Reference] {
        references(keyd: output.keyd, certd: output.certd, identityd: output.identityd)
    }

    static func references(keyd: ConfigTable, certd: ConfigTable, identityd: ConfigTable) -> [Reference] {
        var references: [Reference] = []
        func add(_ value: ConfigValue?, _ what: String, _ user: String) {
            guard case .string(let text) = value, text.hasPrefix("file:"), let path = try? ConfigURL(parsing: text).filePath else { return }
            references.append(Reference(path: path, what: what, user: user))
        }
        if case .table(let keys) = keyd["preloaded_keys"] {
            for (id, value) in keys { add(value, "preloaded key \(id)", "aziotks") }
        }
        if case .table(let certs) = certd["preloaded_certs"] {
            for (id, value) in certs { add(value, "preloaded certificate \(id)", "aziotcs") }
        }
        if case .table(let provisioning) = identityd["provisioning"], case .table(let payload) = provisioning["payload"] {
            add(payload["uri"], "DPS payload", "aziotid")
        }
        return references
    }

    /// Warnings for the references whose user exists on this machine and cannot read the file.
    public static func warnings(for references: [Reference]) -> [String] {
        references.compactMap { reference in
            guard let user = SystemUser.named(reference.user),
                let problem = problem(reading: reference.path, as: user)
            else { return nil }
            return "Warning: \(reference.what) (\(reference.path)) cannot be read by user \(user.name) (uid \(user.uid)): \(problem)"
        }
    }

    /// Why `user` cannot read `path` (a directory on the way needs r and x), or nil when it can.
    public static func problem(reading path: String, as user: SystemUser) -> String? {
        guard user.uid != 0 else { return nil }
        let groups = groupIDs(of: user)
        var current = path
        var isTarget = true
        while true {
            var info = stat()
            guard stat(current, &info) == 0 else {
                return "\(current) cannot be examined: \(String(cString: strerror(errno)))"
            }
            let isDirectory = info.st_mode & S_IFMT == S_IFDIR
            let needed: mode_t = isDirectory ? 0o5 : 0o4
            let mode = info.st_mode & 0o7777
            let allowed =
                mode & needed == needed
                || (groups.contains(info.st_gid) && (mode >> 3) & needed == needed)
                || (info.st_uid == user.uid && (mode >> 6) & needed == needed)
            if !allowed {
                let kind = isTarget ? "the file" : "the directory \(current)"
                let octal = String(mode, radix: 8)
                return "\(kind) has mode \(String(repeating: "0", count: max(0, 4 - octal.count)) + octal), owner \(info.st_uid):\(info.st_gid); "
                    + "make it readable\(isDirectory ? " and searchable" : "") by \(user.name)"
            }
            if current == "/" || current.isEmpty { return nil }
            isTarget = false
            let parent = current.split(separator: "/", omittingEmptySubsequences: true).dropLast().joined(separator: "/")
            current = "/" + parent
        }
    }

    /// The user's primary group and the groups that list it as a member.
    private static func groupIDs(of user: SystemUser) -> Set<gid_t> {
        var groups: Set<gid_t> = [user.gid]
        setgrent()
        defer { endgrent() }
        while let entry = getgrent() {
            var member = entry.pointee.gr_mem
            while let name = member?.pointee {
                if String(cString: name) == user.name { groups.insert(entry.pointee.gr_gid) }
                member = member?.advanced(by: 1)
            }
        }
        return groups
    }
}
