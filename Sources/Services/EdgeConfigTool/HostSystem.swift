#if canImport(Glibc)
import Glibc
#if canImport(CoreFoundation)
import CoreFoundation  // with Foundation in the build, the C stat/timespec types are attributed to it
#endif
#elseif canImport(Darwin)
import Darwin
#endif

/// A user from the user database.
public struct SystemUser: Sendable {
    public let name: String
    public let uid: UInt32
    public let gid: UInt32

    public init(name: String, uid: UInt32, gid: UInt32) {
        self.name = name
        self.uid = uid
        self.gid = gid
    }

    /// The user named `name`, or nil when there is none.
    public static func named(_ name: String) -> SystemUser? {
        guard let entry = getpwnam(name) else { return nil }
        return SystemUser(name: name, uid: entry.pointee.pw_uid, gid: entry.pointee.pw_gid)
    }

    /// The user running this process.
    public static func current() -> SystemUser {
        let uid = geteuid()
        if let entry = getpwuid(uid) {
            return SystemUser(name: String(cString: entry.pointee.pw_name), uid: uid, gid: entry.pointee.pw_gid)
        }
        return SystemUser(name: "\(uid)", uid: uid, gid: getegid())
    }
}

/// The file operations `aziotctl` and `iotedge` perform, with errors that name the path.
public enum HostFiles {
    public static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    public static func isRegularFile(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFREG
    }

    public static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFDIR
    }

    public static func read(_ path: String) throws(ToolError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ToolError("could not read \(path): \(errorText())") }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw ToolError("could not read \(path): \(errorText())")
            }
            if count == 0 { return bytes }
            bytes += chunk[0..<count]
        }
    }

    /// Replaces `path` with `contents`: the old file is removed first (so its owner and mode do not carry
    /// over), the new one is created with `mode` and, when `owner` is given, handed to that user.
    public static func write(_ path: String, _ contents: [UInt8], mode: UInt32, owner: SystemUser?) throws(ToolError) {
        if unlink(path) != 0, errno != ENOENT { throw ToolError("could not remove the old \(path): \(errorText())") }
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode_t(mode))
        guard fd >= 0 else { throw ToolError("could not create \(path): \(errorText())") }
        defer { close(fd) }
        var offset = 0
        while offset < contents.count {
            let written = contents[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                throw ToolError("could not write \(path): \(errorText())")
            }
            offset += written
        }
        guard fchmod(fd, mode_t(mode)) == 0 else { throw ToolError("could not set permissions on \(path): \(errorText())") }
        if let owner, fchown(fd, owner.uid, owner.gid) != 0 {
            throw ToolError("could not give \(path) to user \(owner.name): \(errorText())")
        }
    }

    /// Creates `path` and its missing parents. Parents it creates are 0755 (so service users can traverse
    /// them); `path` itself gets `mode` and, when `owner` is given, that owner, whether it existed or not.
    public static func makeDirectory(_ path: String, mode: UInt32, owner: SystemUser?) throws(ToolError) {
        var prefix = ""
        for component in path.split(separator: "/") {
            prefix += "/" + component
            if isDirectory(prefix) { continue }
            guard mkdir(prefix, 0o755) == 0 || errno == EEXIST else { throw ToolError("could not create the directory \(prefix): \(errorText())") }
            guard chmod(prefix, 0o755) == 0 else { throw ToolError("could not set permissions on \(prefix): \(errorText())") }
        }
        guard chmod(path, mode_t(mode)) == 0 else { throw ToolError("could not set permissions on \(path): \(errorText())") }
        if let owner, chown(path, owner.uid, owner.gid) != 0 {
            throw ToolError("could not give \(path) to user \(owner.name): \(errorText())")
        }
    }

    /// The file's modification time in seconds since 1970, or why it cannot be examined (`ENOENT`, `EACCES`…).
    public static func modificationTime(_ path: String) -> Result<Double, ToolError> {
        var info = stat()
        guard stat(path, &info) == 0 else { return .failure(ToolError(errno == ENOENT ? "ENOENT" : errorText())) }
        return .success(Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9)
    }

    /// The machine's host name.
    public static func hostname() throws(ToolError) -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count) == 0 else { throw ToolError("could not read the host name: \(errorText())") }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    public static func errorText() -> String { String(cString: strerror(errno)) }
}
