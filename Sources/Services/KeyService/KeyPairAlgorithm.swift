/// An algorithm `preferredAlgorithms` can ask for.
enum KeyPairAlgorithm: Sendable, Equatable {
    case ecP256
    case rsa2048
    case rsa4096

    /// keyd's parsing: colon-separated `ec-p256`, `rsa-2048`, `rsa-4096` and `*` (= `ec-p256` then `rsa-2048`), in
    /// order, without duplicates; unknown tokens are ignored; nil means `*`. The result may be empty.
    static func parsePreferences(_ text: String?) -> [KeyPairAlgorithm] {
        guard let text else { return [.ecP256, .rsa2048] }
        var result: [KeyPairAlgorithm] = []
        func add(_ algorithm: KeyPairAlgorithm) { if !result.contains(algorithm) { result.append(algorithm) } }
        for token in text.split(separator: ":", omittingEmptySubsequences: false) {
            switch token {
            case "*":
                add(.ecP256)
                add(.rsa2048)
            case "ec-p256": add(.ecP256)
            case "rsa-2048": add(.rsa2048)
            case "rsa-4096": add(.rsa4096)
            default: break
            }
        }
        return result
    }
}
