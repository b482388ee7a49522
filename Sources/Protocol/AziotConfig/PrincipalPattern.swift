/// A `[[principal]]` pattern of keyd (`keys`) and certd (`certs`): an id pattern where `*` matches any run of
/// characters (also none) and `?` exactly one; everything else matches itself.
public struct PrincipalPattern: Sendable, Hashable, CustomStringConvertible {
    public let pattern: String
    private let scalars: [Unicode.Scalar]

    public init(_ pattern: String) {
        self.pattern = pattern
        self.scalars = Array(pattern.unicodeScalars)
    }

    public var description: String { pattern }

    /// Whether `id` matches the whole pattern.
    public func matches(_ id: String) -> Bool {
        let text = Array(id.unicodeScalars)
        var p = 0
        var t = 0
        var starAt: Int?
        var textAtStar = 0
        while t < text.count {
            if p < scalars.count, scalars[p] == "*" {
                starAt = p
                textAtStar = t
                p += 1
            } else if p < scalars.count, scalars[p] == "?" || scalars[p] == text[t] {
                p += 1
                t += 1
            } else if let star = starAt {
                // Let the last `*` swallow one more character and retry from there.
                p = star + 1
                textAtStar += 1
                t = textAtStar
            } else {
                return false
            }
        }
        while p < scalars.count, scalars[p] == "*" { p += 1 }
        return p == scalars.count
    }
}
