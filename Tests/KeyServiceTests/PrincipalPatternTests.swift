import AziotConfig
import KeyService
import Testing

@Suite("Principal key id patterns (* and ? wildcards)")
struct PrincipalPatternTests {
    @Test func wildcards() {
        let cases: [(String, String, Bool)] = [
            ("device-id", "device-id", true),
            ("device-id", "device-id2", false),
            ("*", "", true),
            ("*", "anything at all", true),
            ("est-*", "est-id", true),
            ("est-*", "est-", true),
            ("est-*", "xest-id", false),
            ("*-temp", "device-id-temp", true),
            ("?", "a", true),
            ("?", "", false),
            ("?", "ab", false),
            ("a?c", "abc", true),
            ("a*b*c", "aXXbYYc", true),
            ("a*b*c", "aXXbYY", false),
            ("*a*", "banana", true),
            ("**", "x", true),
            ("é?", "éx", true),
        ]
        for (pattern, id, expected) in cases {
            #expect(PrincipalPattern(pattern).matches(id) == expected, "\(pattern) vs \(id)")
        }
    }
}
