#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// systemd socket activation (`sd_listen_fds`): picks the inherited listening fd to serve on.
public enum SystemdSocketActivation {
    /// The first inherited descriptor (systemd's `SD_LISTEN_FDS_START`).
    public static let firstDescriptor: Int32 = 3

    /// The inherited fd to use, or nil when the process was not socket-activated (`LISTEN_PID` absent or not ours).
    /// With one fd it is used; with several, the one whose `LISTEN_FDNAMES` entry equals `name`.
    /// All inherited fds are marked close-on-exec unless `setCloseOnExec` is false.
    public static func listenDescriptor(
        named name: String?,
        environment: [String: String] = ProcessEnvironment.current,
        pid: Int32? = nil,
        setCloseOnExec: Bool = true
    ) throws -> Int32? {
        guard let listenPID = environment["LISTEN_PID"], Int32(listenPID) == (pid ?? getpid()) else { return nil }
        guard let countText = environment["LISTEN_FDS"], let count = Int32(countText), count > 0 else {
            throw UnixSocketHTTPError(.socketActivation, "LISTEN_FDS is \(environment["LISTEN_FDS"] ?? "missing"); check the .socket unit")
        }
        for fd in firstDescriptor..<(firstDescriptor + count) where setCloseOnExec {
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        if count == 1 { return firstDescriptor }
        let names = (environment["LISTEN_FDNAMES"] ?? "").split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard let name, let index = names.firstIndex(of: name), index < count else {
            throw UnixSocketHTTPError(
                .socketActivation,
                "\(count) sockets inherited but none named \(name ?? "(no name given)") in LISTEN_FDNAMES=\(names.joined(separator: ":")); set FileDescriptorName= in the .socket unit"
            )
        }
        return firstDescriptor + Int32(index)
    }
}

/// The process environment as a dictionary, without Foundation.
public enum ProcessEnvironment {
    public static var current: [String: String] {
        var result: [String: String] = [:]
        var entry = environ
        while let pointer = entry.pointee {
            let text = String(cString: pointer)
            if let equals = text.firstIndex(of: "=") {
                result[String(text[..<equals])] = String(text[text.index(after: equals)...])
            }
            entry += 1
        }
        return result
    }
}
