/// A JSON object that remembers the order of its keys.
///
/// Keys are unique: setting an existing key replaces its value in place; building from pairs with a
/// repeated key keeps the first position and the last value (as Newtonsoft and JSONSerialization keep
/// the last value). Equality and hashing ignore key order (JSON object semantics); ``keys`` and
/// iteration follow insertion order, which ``JSONValue/jsonString`` renders.
public struct JSONObject: Sendable, Hashable, RandomAccessCollection, ExpressibleByDictionaryLiteral,
    CustomStringConvertible
{
    /// The keys in order.
    public private(set) var keys: [String]
    private var storage: [String: JSONValue]

    /// Creates an empty object.
    public init() {
        keys = []
        storage = [:]
    }

    /// Creates an object from pairs in order (a repeated key keeps its first position and last value).
    public init(_ pairs: [(String, JSONValue)]) {
        self.init()
        for (key, value) in pairs { self[key] = value }
    }

    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.init(elements)
    }

    /// The value for `key`; assigning `nil` removes the key, assigning a value to a new key appends it.
    public subscript(key: String) -> JSONValue? {
        get { storage[key] }
        set {
            if let newValue {
                if storage.updateValue(newValue, forKey: key) == nil { keys.append(key) }
            } else {
                removeValue(forKey: key)
            }
        }
    }

    /// Removes `key`, returning its value.
    @discardableResult
    public mutating func removeValue(forKey key: String) -> JSONValue? {
        guard let old = storage.removeValue(forKey: key) else { return nil }
        keys.removeAll { $0 == key }
        return old
    }

    /// The values in key order.
    public var values: [JSONValue] { keys.map { storage[$0]! } }

    /// The members in order as `(key, value)` pairs.
    public var pairs: [(key: String, value: JSONValue)] { keys.map { ($0, storage[$0]!) } }

    // MARK: RandomAccessCollection

    public var startIndex: Int { 0 }
    public var endIndex: Int { keys.count }
    public subscript(position: Int) -> (key: String, value: JSONValue) {
        let key = keys[position]
        return (key, storage[key]!)
    }

    // MARK: Equality ignores order

    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        lhs.storage == rhs.storage
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(storage)
    }

    /// Whether both objects have the same members **in the same order**.
    public func isIdentical(to other: JSONObject) -> Bool {
        keys == other.keys && storage == other.storage
    }

    public var description: String { JSONValue.object(self).jsonString }
}
