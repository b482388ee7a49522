import Synchronization

/// Typed, path-aware access to a configuration table that remembers which keys were read, so that
/// ``finish()`` can report every key nothing read (a typo, a section in the wrong file) instead of
/// ignoring it as the reference does.
///
/// Errors name the full key path: `provisioning.attestation.method: expected a string, found an integer`.
public struct ConfigReader: Sendable {
    public let table: ConfigTable
    /// The dotted path of this table from the document root (empty at the root).
    public let path: String
    private let tracker: UsageTracker

    public init(_ table: ConfigTable) {
        self.init(table, path: "", tracker: UsageTracker())
    }

    private init(_ table: ConfigTable, path: String, tracker: UsageTracker) {
        self.table = table
        self.path = path
        self.tracker = tracker
        tracker.visit(table, at: path)
    }

    /// `key` under this table, as a dotted path for messages.
    public func keyPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// Whether the key is present (does not count as reading it).
    public func contains(_ key: String) -> Bool { table[key] != nil }

    /// The raw value, marked as read.
    public func value(_ key: String) -> ConfigValue? {
        guard let value = table[key] else { return nil }
        tracker.markUsed(keyPath(key), value: value)
        return value
    }

    /// Marks a key and everything under it as read without interpreting it (pass-through sections).
    public func consume(_ key: String) {
        _ = value(key)
    }

    public func required<T>(_ key: String, _ read: (String) throws(ConfigError) -> T?) throws(ConfigError) -> T {
        guard let value = try read(key) else { throw ConfigError(.missingKey, "\(keyPath(key)): missing required key") }
        return value
    }

    public func string(_ key: String) throws(ConfigError) -> String? {
        guard let value = value(key) else { return nil }
        guard case .string(let string) = value else { throw typeError(key, "a string", value) }
        return string
    }

    public func integer(_ key: String) throws(ConfigError) -> Int? {
        guard let value = value(key) else { return nil }
        guard case .integer(let integer) = value else { throw typeError(key, "an integer", value) }
        return integer
    }

    public func boolean(_ key: String) throws(ConfigError) -> Bool? {
        guard let value = value(key) else { return nil }
        guard case .boolean(let boolean) = value else { throw typeError(key, "a boolean", value) }
        return boolean
    }

    public func stringArray(_ key: String) throws(ConfigError) -> [String]? {
        guard let value = value(key) else { return nil }
        guard case .array(let items) = value else { throw typeError(key, "an array of strings", value) }
        var strings: [String] = []
        for (index, item) in items.enumerated() {
            guard case .string(let string) = item else { throw typeError("\(key)[\(index)]", "a string", item) }
            strings.append(string)
        }
        return strings
    }

    /// A sub-table, whose keys are tracked like this one's.
    public func table(_ key: String) throws(ConfigError) -> ConfigReader? {
        guard let value = table[key] else { return nil }
        guard case .table(let sub) = value else { throw typeError(key, "a table", value) }
        // An empty table has no keys to read; reading the table itself is what uses it.
        if sub.isEmpty { tracker.markUsed(keyPath(key), value: value) }
        return ConfigReader(sub, path: keyPath(key), tracker: tracker)
    }

    /// An array of tables (`[[principal]]`).
    public func tableArray(_ key: String) throws(ConfigError) -> [ConfigReader] {
        guard let value = table[key] else { return [] }
        guard case .array(let items) = value else { throw typeError(key, "an array of tables", value) }
        var readers: [ConfigReader] = []
        for (index, item) in items.enumerated() {
            guard case .table(let sub) = item else { throw typeError("\(key)[\(index)]", "a table", item) }
            readers.append(ConfigReader(sub, path: "\(keyPath(key))[\(index)]", tracker: tracker))
        }
        if items.isEmpty { tracker.markUsed(keyPath(key), value: value) }
        return readers
    }

    /// A table of string values (`[aziot_keys]`, `[preloaded_keys]`), keys in file order.
    public func stringMap(_ key: String) throws(ConfigError) -> [(key: String, value: String)]? {
        guard let sub = try table(key) else { return nil }
        var result: [(key: String, value: String)] = []
        for name in sub.table.keys {
            result.append((name, try sub.required(name, sub.string)))
        }
        return result
    }

    /// An error for an invalid value at `key`, with the key path.
    public func invalid(_ key: String, _ reason: String) -> ConfigError {
        ConfigError(.invalidValue, "\(keyPath(key)): \(reason)")
    }

    /// The keys under the whole document that nothing has read, as dotted paths in document order.
    public func unusedKeys() -> [String] { tracker.unused() }

    /// Throws ``ConfigError/Code/unknownKeys`` naming every key nothing read.
    public func finish() throws(ConfigError) {
        let unused = unusedKeys()
        guard unused.isEmpty else {
            let list = unused.joined(separator: ", ")
            throw ConfigError(.unknownKeys, "unknown configuration key\(unused.count == 1 ? "" : "s"): \(list)")
        }
    }

    private func typeError(_ key: String, _ expected: String, _ found: ConfigValue) -> ConfigError {
        ConfigError(.invalidValue, "\(keyPath(key)): expected \(expected), found \(found.typeName)")
    }
}

/// The key paths seen and read during one decode, shared by a reader and the readers of its sub-tables.
private final class UsageTracker: Sendable {
    private struct State {
        var seen: [String] = []
        var used: Set<String> = []
    }

    private let state = Mutex(State())

    func visit(_ table: ConfigTable, at path: String) {
        state.withLock { state in
            for key in table.keys {
                let full = path.isEmpty ? key : "\(path).\(key)"
                if !state.seen.contains(full) { state.seen.append(full) }
            }
        }
    }

    func markUsed(_ path: String, value: ConfigValue) {
        state.withLock { _ = $0.used.insert(path) }
    }

    /// Keys neither read themselves, nor under a key that was read whole, nor above a key that was read.
    func unused() -> [String] {
        state.withLock { state in
            state.seen.filter { path in
                !state.used.contains(path)
                    && !state.used.contains { $0.hasPrefix(path + ".") || $0.hasPrefix(path + "[") }
                    && !state.used.contains { path.hasPrefix($0 + ".") || path.hasPrefix($0 + "[") }
            }
        }
    }
}
