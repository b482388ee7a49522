/// An ordered, URL-encoded property bag as it appears in IoT Hub MQTT topics: `a=b&c&%24.mid=x`.
///
/// A bag is a list of `(key, value?)` entries kept in wire order; keys may repeat (lookups return
/// the **last** occurrence, as the C# hub's dictionary does). A key written without `=` has a `nil`
/// value; a key written as `k=` has the empty string as value.
///
/// Parsing (``init(parsing:)``) follows the C# SDK/hub tokenizer:
/// - entries are separated by `&`, key and value by the **first** `=` (later `=` belong to the value);
/// - keys and values are percent-decoded (strictly: bad `%` sequences are an error);
/// - raw `?` characters are dropped from keys and values (the C# tokenizer does this so that a
///   query-style bag `?a=b` reads as `a=b`); an encoded `%3F` is kept;
/// - the empty string is the empty bag; a bag that starts with `=` or `&`, contains an empty entry
///   (`a&&b`, trailing `&`), an empty key, or a raw `/` is a ``PropertyBagError``.
///
/// Rendering (``encoded``) percent-encodes every key and value with ``PercentEncoding/encode(_:)``.
public struct PropertyBag: Sendable, Hashable, CustomStringConvertible, ExpressibleByArrayLiteral {
    /// One `key[=value]` entry of a bag.
    public struct Entry: Sendable, Hashable {
        /// The decoded key.
        public var key: String
        /// The decoded value, or `nil` when the key was written without `=`.
        public var value: String?

        /// Creates an entry.
        public init(key: String, value: String?) {
            self.key = key
            self.value = value
        }
    }

    /// The entries in wire order.
    public var entries: [Entry]

    /// Creates an empty bag.
    public init() {
        self.entries = []
    }

    /// Creates a bag from entries in order.
    public init(_ entries: [Entry]) {
        self.entries = entries
    }

    /// Creates a bag from `(key, value)` pairs in order.
    public init(_ pairs: [(String, String?)]) {
        self.entries = pairs.map { Entry(key: $0.0, value: $0.1) }
    }

    public init(arrayLiteral elements: (String, String?)...) {
        self.init(elements)
    }

    /// Parses a URL-encoded bag (see the type documentation for the exact rules).
    public init(parsing text: some StringProtocol) throws(PropertyBagError) {
        self.entries = []
        let string = String(text)
        if string.isEmpty { return }
        if let first = string.utf8.first, first == UInt8(ascii: "=") || first == UInt8(ascii: "&") {
            throw PropertyBagError(
                code: .malformed,
                message: "property bag \"\(string)\" must not start with '\(Character(Unicode.Scalar(first)))'")
        }
        if string.utf8.contains(UInt8(ascii: "/")) {
            throw PropertyBagError(code: .malformed, message: "property bag \"\(string)\" contains a raw '/'")
        }
        for (position, rawEntry) in string.split(separator: "&", omittingEmptySubsequences: false).enumerated() {
            if rawEntry.isEmpty {
                throw PropertyBagError(
                    code: .malformed,
                    message: "property bag \"\(string)\" has an empty entry at position \(position)")
            }
            let rawKey: Substring
            let rawValue: Substring?
            if let equals = rawEntry.firstIndex(of: "=") {
                rawKey = rawEntry[..<equals]
                rawValue = rawEntry[rawEntry.index(after: equals)...]
            } else {
                rawKey = rawEntry
                rawValue = nil
            }
            let key = try Self.decodeComponent(rawKey, in: string)
            if key.isEmpty {
                throw PropertyBagError(
                    code: .malformed,
                    message: "property bag \"\(string)\" has an empty key at position \(position)")
            }
            let value = try rawValue.map { (raw) throws(PropertyBagError) in try Self.decodeComponent(raw, in: string) }
            entries.append(Entry(key: key, value: value))
        }
    }

    private static func decodeComponent(_ raw: Substring, in bag: String) throws(PropertyBagError) -> String {
        let withoutQuestionMarks = raw.contains("?") ? String(raw.filter { $0 != "?" }) : String(raw)
        do {
            return try PercentEncoding.decode(withoutQuestionMarks)
        } catch {
            throw PropertyBagError(code: .invalidEncoding, message: "property bag \"\(bag)\": \(error.message)")
        }
    }

    /// The bag rendered for the wire: `enc(key)[=enc(value)]` joined by `&`.
    public var encoded: String {
        var result = ""
        for (index, entry) in entries.enumerated() {
            if index > 0 { result += "&" }
            result += PercentEncoding.encode(entry.key)
            if let value = entry.value {
                result += "="
                result += PercentEncoding.encode(value)
            }
        }
        return result
    }

    public var description: String { encoded }

    /// Whether the bag has no entries.
    public var isEmpty: Bool { entries.isEmpty }

    /// The number of entries (duplicates included).
    public var count: Int { entries.count }

    /// The keys in order (duplicates included).
    public var keys: [String] { entries.map(\.key) }

    /// Whether an entry with `key` exists (exact, case-sensitive match).
    public func contains(key: String) -> Bool {
        entries.contains { $0.key == key }
    }

    /// The value of the last entry with `key`; `nil` if there is none **or** its value is `nil`
    /// (use ``contains(key:)`` to tell them apart).
    public func value(forKey key: String) -> String? {
        entries.last { $0.key == key }?.value ?? nil
    }

    /// Sets the value of `key`: replaces the value of the first entry with that key (removing any
    /// later duplicates) or appends a new entry at the end.
    public mutating func set(_ value: String?, forKey key: String) {
        if let index = entries.firstIndex(where: { $0.key == key }) {
            entries[index].value = value
            var next = index + 1
            while next < entries.count {
                if entries[next].key == key { entries.remove(at: next) } else { next += 1 }
            }
        } else {
            entries.append(Entry(key: key, value: value))
        }
    }

    /// Appends an entry at the end, even if the key already exists.
    public mutating func append(key: String, value: String?) {
        entries.append(Entry(key: key, value: value))
    }

    /// Removes every entry with `key`, returning the last one removed (`nil` if there was none).
    @discardableResult
    public mutating func remove(key: String) -> Entry? {
        guard let last = entries.last(where: { $0.key == key }) else { return nil }
        entries.removeAll { $0.key == key }
        return last
    }

    /// A copy where each key appears once, at the position of its first occurrence, with the value
    /// of its last occurrence (the C# hub's `dict[key] = value` semantics).
    public func deduplicated() -> PropertyBag {
        var result = PropertyBag()
        for entry in entries { result.set(entry.value, forKey: entry.key) }
        return result
    }
}
