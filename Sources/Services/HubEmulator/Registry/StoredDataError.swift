/// A row of the registry database that cannot be read back (corrupted or written by an incompatible
/// version); reported to callers as a `ServerError`.
struct StoredDataError: Error, CustomStringConvertible {
    var table: String
    var key: String
    var underlying: String

    var description: String { "the stored \(table) row \(key) is unreadable: \(underlying)" }
}
