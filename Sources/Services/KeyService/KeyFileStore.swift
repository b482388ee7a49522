#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Crypto

/// The filesystem key backend, laid out exactly like libaziot-keys' so existing device state is adopted:
/// key id `X` lives at `<homedir>/keys/<X filtered to ASCII letters and digits>-<lowercase hex SHA-256 of X>.key`,
/// unless `X` is preloaded, in which case it is exactly the preloaded file. Symmetric keys and key pairs share the
/// same name space (and file).
struct KeyFileStore: Sendable {
    let homeDirectory: String
    /// Preloaded key id → absolute file path.
    let preloaded: [String: String]

    var keysDirectory: String { homeDirectory + "/keys" }

    /// `aziotidentitydmasterid-<sha256hex>.key` for `aziot_identityd_master_id`.
    static func fileName(for id: String) -> String {
        let sanitized = String(String.UnicodeScalarView(id.unicodeScalars.filter { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0)) }))
        let hash = SHA256.hash(data: Array(id.utf8)).map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
        return "\(sanitized)-\(hash).key"
    }

    /// The one file key `id` is stored in.
    func path(for id: String) -> String {
        preloaded[id] ?? keysDirectory + "/" + Self.fileName(for: id)
    }

    /// The file's bytes, or nil when it does not exist.
    func read(_ path: String) throws(KeyServiceError) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT { return nil }
            throw .internalError("cannot read the key file \(path): \(Self.lastError())")
        }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16384)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw .internalError("cannot read the key file \(path): \(Self.lastError())")
            }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
        }
        return bytes
    }

    /// Replaces the file atomically (temporary file, fsync, rename), mode 0600, creating `keys/` (0700) if needed.
    /// A preloaded key whose directory does not let us create files is rewritten in place instead.
    func write(_ bytes: [UInt8], to path: String) throws(KeyServiceError) {
        if path.hasPrefix(keysDirectory + "/") { try createKeysDirectory() }
        let temporary = path + ".tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            if errno == EACCES || errno == EROFS || errno == EPERM, preloaded.values.contains(path) {
                return try writeInPlace(bytes, to: path)
            }
            throw .internalError("cannot create \(temporary): \(Self.lastError())")
        }
        do throws(KeyServiceError) {
            try Self.writeAll(bytes, to: fd, path: temporary)
            guard fsync(fd) == 0 else { throw .internalError("cannot sync \(temporary): \(Self.lastError())") }
            close(fd)
        } catch {
            close(fd)
            unlink(temporary)
            throw error
        }
        guard rename(temporary, path) == 0 else {
            let reason = Self.lastError()
            unlink(temporary)
            throw .internalError("cannot rename \(temporary) to \(path): \(reason)")
        }
        syncDirectory(of: path)
    }

    /// Removes the file; a missing file is fine.
    func remove(_ path: String) throws(KeyServiceError) {
        guard unlink(path) == 0 || errno == ENOENT else { throw .internalError("cannot delete the key file \(path): \(Self.lastError())") }
        syncDirectory(of: path)
    }

    /// Renames `from` over `to`. Returns false when `from` does not exist.
    func move(_ from: String, to: String) throws(KeyServiceError) -> Bool {
        if to.hasPrefix(keysDirectory + "/") { try createKeysDirectory() }
        guard rename(from, to) == 0 else {
            if errno == ENOENT { return false }
            throw .internalError("cannot rename the key file \(from) to \(to): \(Self.lastError())")
        }
        syncDirectory(of: to)
        return true
    }

    /// Creates `<homedir>/keys` (and the home directory itself, when missing), both 0700.
    private func createKeysDirectory() throws(KeyServiceError) {
        var missing: [String] = []
        var directory = homeDirectory
        while !directory.isEmpty, access(directory, F_OK) != 0 {
            missing.insert(directory, at: 0)
            directory = String(directory[..<(directory.lastIndex(of: "/") ?? directory.startIndex)])
        }
        for directory in missing where mkdir(directory, 0o700) != 0 && errno != EEXIST {
            throw .internalError("cannot create the key service's home directory \(directory): \(Self.lastError())")
        }
        guard mkdir(keysDirectory, 0o700) == 0 || errno == EEXIST else {
            throw .internalError("cannot create the key directory \(keysDirectory): \(Self.lastError())")
        }
    }

    private func writeInPlace(_ bytes: [UInt8], to path: String) throws(KeyServiceError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .internalError("cannot write the key file \(path): \(Self.lastError())") }
        defer { close(fd) }
        try Self.writeAll(bytes, to: fd, path: path)
        guard fsync(fd) == 0 else { throw .internalError("cannot sync \(path): \(Self.lastError())") }
    }

    private static func writeAll(_ bytes: [UInt8], to fd: Int32, path: String) throws(KeyServiceError) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                throw .internalError("cannot write \(path): \(lastError())")
            }
            offset += written
        }
    }

    /// Makes a rename or unlink durable; best effort.
    private func syncDirectory(of path: String) {
        guard let slash = path.lastIndex(of: "/") else { return }
        let directory = slash == path.startIndex ? "/" : String(path[..<slash])
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        close(fd)
    }

    private static func lastError() -> String { String(cString: strerror(errno)) }
}
