/// `[edge_ca]` subject of a new Edge CA: `common_name = "…"` or `subject = { CN = "…", O = "…" }` (file order).
public enum EdgeCASubject: Sendable, Equatable {
    case commonName(String)
    case attributes([(name: String, value: String)])

    public static func == (lhs: EdgeCASubject, rhs: EdgeCASubject) -> Bool {
        switch (lhs, rhs) {
        case (.commonName(let l), .commonName(let r)): l == r
        case (.attributes(let l), .attributes(let r)): l.count == r.count && zip(l, r).allSatisfy { $0 == $1 }
        default: false
        }
    }
}
