/// A TOML value as the configuration code sees it: tables keep the order their keys were written in
/// (or, once parsed, the order TOMLKit reports), so that a file we write reads the way we built it.
public enum ConfigValue: Sendable, Equatable {
    case string(String)
    case integer(Int)
    case float(Double)
    case boolean(Bool)
    /// A TOML date, time or date-time, kept as its TOML text.
    case dateTime(String)
    case array([ConfigValue])
    case table(ConfigTable)

    /// The TOML name of this value's type, for error messages.
    public var typeName: String {
        switch self {
        case .string: "a string"
        case .integer: "an integer"
        case .float: "a float"
        case .boolean: "a boolean"
        case .dateTime: "a date-time"
        case .array: "an array"
        case .table: "a table"
        }
    }
}

/// An ordered TOML table. Setting an existing key replaces its value in place.
public struct ConfigTable: Sendable, Equatable, Sequence {
    public private(set) var entries: [(key: String, value: ConfigValue)]
    /// Written as `{ a = 1, b = 2 }` on the parent's line rather than as a `[section]`.
    public var isInline: Bool

    public init(_ entries: [(key: String, value: ConfigValue)] = [], isInline: Bool = false) {
        self.entries = []
        self.isInline = isInline
        for (key, value) in entries { self[key] = value }
    }

    public var isEmpty: Bool { entries.isEmpty }
    public var keys: [String] { entries.map(\.key) }

    public subscript(key: String) -> ConfigValue? {
        get { entries.first { $0.key == key }?.value }
        set {
            if let index = entries.firstIndex(where: { $0.key == key }) {
                if let newValue { entries[index].value = newValue } else { entries.remove(at: index) }
            } else if let newValue {
                entries.append((key, newValue))
            }
        }
    }

    public func makeIterator() -> IndexingIterator<[(key: String, value: ConfigValue)]> { entries.makeIterator() }

    public static func == (lhs: ConfigTable, rhs: ConfigTable) -> Bool {
        lhs.entries.count == rhs.entries.count && zip(lhs.entries, rhs.entries).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }
}
