public import TOMLConfig

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A service's configuration on disk: a main file plus a drop-in directory, read the aziot way.
///
/// The main file is parsed first (a missing file counts as an empty table); then every regular file in the
/// directory whose name ends in `.toml`, sorted by file name, is merged in (``ConfigTable/merge(_:)``).
/// The directory is not searched recursively; a missing directory has no files.
public struct ConfigFileSet: Sendable, Equatable {
    public var mainFile: String
    public var directory: String

    public init(mainFile: String, directory: String) {
        self.mainFile = mainFile
        self.directory = directory
    }

    /// The aziot service `name` (`keyd`, `certd`, `identityd`, `tpmd`): `/etc/aziot/<name>/config.toml` and
    /// `/etc/aziot/<name>/config.d`, unless `AZIOT_<NAME>_CONFIG` / `AZIOT_<NAME>_CONFIG_DIR` say otherwise.
    public static func aziotService(_ name: String, environment: [String: String]) -> ConfigFileSet {
        let variable = "AZIOT_\(name.uppercased())_CONFIG"
        return ConfigFileSet(
            mainFile: environment[variable] ?? "/etc/aziot/\(name)/config.toml",
            directory: environment[variable + "_DIR"] ?? "/etc/aziot/\(name)/config.d"
        )
    }

    /// The drop-in files that exist now, in the order they are merged.
    public func dropInFiles() throws(ConfigError) -> [String] {
        guard let dir = opendir(directory) else {
            if errno == ENOENT { return [] }
            throw ConfigError(.unreadable, "cannot read the directory \(directory): \(String(cString: strerror(errno)))")
        }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard name.hasSuffix(".toml"), name != ".toml" else { continue }
            var info = stat()
            guard stat(directory + "/" + name, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { continue }
            names.append(name)
        }
        return names.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }.map { directory + "/" + $0 }
    }

    /// Reads and merges the main file and every drop-in.
    public func load() throws(ConfigError) -> ConfigTable {
        var table = try Self.readTable(mainFile, missingIsEmpty: true)
        for file in try dropInFiles() {
            table.merge(try Self.readTable(file, missingIsEmpty: false))
        }
        return table
    }

    /// Parses one TOML file.
    public static func readTable(_ path: String, missingIsEmpty: Bool = false) throws(ConfigError) -> ConfigTable {
        guard let text = try readText(path) else {
            if missingIsEmpty { return ConfigTable() }
            throw ConfigError(.unreadable, "cannot read \(path): no such file")
        }
        return try ConfigTable(toml: text, source: path)
    }

    /// The file's contents as UTF-8 text, or nil when it does not exist.
    public static func readText(_ path: String) throws(ConfigError) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT { return nil }
            throw ConfigError(.unreadable, "cannot read \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw ConfigError(.unreadable, "cannot read \(path): \(String(cString: strerror(errno)))")
            }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw ConfigError(.syntax, "\(path) is not UTF-8 text")
        }
        return text
    }
}
