import MQTTProtocol
import Testing

/// Topic names and filters (§4.7): validation, matching, and a cross-check against a reference matcher.
@Suite struct TopicFilterTests {
    // MARK: Validation

    static let validFilters = [
        "#", "+", "/", "//", "a", "a/b", "a/#", "a/+", "+/+", "/+", "+/", "/#", "+/#", "a/+/c/#",
        "sport/tennis/player1/#",
        "$SYS/#", "$SYS/+/x", "温度/+", "a b", "😀/#", "$", "a/$/b",
    ]

    static let invalidFilters: [(String, String)] = [
        ("", "empty"), ("a/#/b", "\"#\""), ("#/a", "\"#\""), ("##", "\"#\""), ("#a", "\"#\""), ("a#", "\"#\""),
        ("a/b#", "\"#\""),
        ("a+", "\"+\""), ("+a", "\"+\""), ("a/++/b", "\"+\""), ("sport+", "\"+\""), ("a\u{0}b", "U+0000"),
        // A combining mark after a wildcard or "/" is still a separate byte sequence: "#" and "+" must stand alone.
        ("a/#\u{301}", "\"#\""), ("+\u{301}/a", "\"+\""), ("a/\u{301}#", "\"#\""),
    ]

    @Test(arguments: validFilters)
    func validFilter(_ filter: String) throws {
        let parsed = try TopicFilter(filter)
        #expect(parsed.filter == filter)
        #expect(parsed.description == filter)
        #expect(parsed.levels.map { String($0) }.joined(separator: "/") == filter)
        #expect(parsed.levels.count == filter.utf8.filter { $0 == UInt8(ascii: "/") }.count + 1)
    }

    @Test(arguments: invalidFilters)
    func invalidFilter(_ filter: String, reason: String) {
        #expect(throws: MQTTProtocolError.self) { try TopicFilter(filter) }
        do {
            try TopicFilter.validate(filter)
            Issue.record("\"\(filter)\" was accepted")
        } catch {
            #expect(error.code == .invalidTopicFilter)
            #expect(error.message.contains(reason), "\(error.message)")
        }
    }

    @Test func levelsSplitOnTheSlashByte() throws {
        #expect(try TopicFilter("a//b/").levels == ["a", "", "b", ""])
        // "/" followed by a combining mark is one Character but two levels.
        let filter = try TopicFilter("a/\u{301}x/+")
        #expect(filter.levels.count == 3)
        #expect(Array(filter.levels[1].utf8) == [0xCC, 0x81, 0x78])
    }

    @Test(arguments: ["a", "a/b", "/", "a//b", "$SYS/x", "é", "a b"])
    func validTopicName(_ topic: String) {
        #expect(throws: Never.self) { try TopicName.validate(topic) }
    }

    @Test(arguments: [("", "empty"), ("a/+", "wildcard"), ("#", "wildcard"), ("a+b", "wildcard"), ("a\u{0}", "U+0000")])
    func invalidTopicName(_ topic: String, reason: String) {
        do {
            try TopicName.validate(topic)
            Issue.record("\"\(topic)\" was accepted")
        } catch {
            #expect(error.code == .invalidTopicName)
            #expect(error.message.contains(reason))
        }
    }

    @Test func topicNameLengthLimit() {
        #expect(throws: Never.self) { try TopicName.validate(String(repeating: "é", count: 32767)) }
        #expect(throws: MQTTProtocolError(.invalidTopicName, "topic name is longer than 65535 bytes")) {
            try TopicName.validate(String(repeating: "é", count: 32768))
        }
    }

    // MARK: Matching (§4.7.1 – §4.7.2)

    static let matchCases: [(String, String, Bool)] = [
        // Exact.
        ("a/b", "a/b", true), ("a/b", "a/c", false), ("a/b", "a/b/c", false), ("a/b/c", "a/b", false),
        ("a", "A", false),
        ("/", "/", true), ("a//b", "a//b", true), ("a//b", "a/b", false),
        // Multi-level.
        ("sport/tennis/player1/#", "sport/tennis/player1", true),
        ("sport/tennis/player1/#", "sport/tennis/player1/ranking", true),
        ("sport/tennis/player1/#", "sport/tennis/player1/score/wimbledon", true),
        ("sport/tennis/player1/#", "sport/tennis/player2", false),
        ("sport/#", "sport", true), ("sport/#", "sport/", true), ("sport/#", "sports", false),
        ("sport/#", "sport2/x", false),
        ("#", "a", true), ("#", "a/b/c", true), ("#", "/", true), ("/#", "/a", true), ("/#", "a", false),
        ("a/#", "b/a", false),
        // Single-level.
        ("sport/tennis/+", "sport/tennis/player1", true), ("sport/tennis/+", "sport/tennis/player1/ranking", false),
        ("sport/+", "sport", false), ("sport/+", "sport/", true), ("+", "a", true), ("+", "a/b", false),
        ("+", "/", false),
        ("+/+", "/finance", true), ("/+", "/finance", true), ("+", "/finance", false), ("+/+", "a/b", true),
        ("+/tennis/#", "sport/tennis/x/y", true), ("+/tennis/#", "sport/tennis", true), ("+/#", "a", true),
        ("a/+/c", "a//c", true), ("a/+/c", "a/b/d", false), ("+/+/+", "a/b", false),
        // $-topics (§4.7.2).
        ("#", "$SYS/x", false), ("+/x", "$SYS/x", false), ("+", "$SYS", false), ("+/#", "$SYS/x", false),
        ("$SYS/#", "$SYS/x", true), ("$SYS/#", "$SYS", true), ("$SYS/+", "$SYS/x", true), ("$SYS/x", "$SYS/x", true),
        ("a/#", "a/$x", true), ("a/+", "a/$x", true), ("#", "a/$SYS", true),
        // Unicode: bytes, not Characters and not canonical equivalence (§4.7.3).
        ("caf\u{E9}", "cafe\u{301}", false), ("cafe\u{301}", "caf\u{E9}", false), ("caf\u{E9}", "caf\u{E9}", true),
        ("a/+", "a/\u{301}b", true), ("a/+/c", "a/\u{301}/c", true), ("a/\u{301}", "a/\u{301}", true),
        ("\u{212B}", "\u{C5}", false), ("温度/+", "温度/室内", true), ("😀/#", "😀", true),
    ]

    @Test(arguments: matchCases)
    func matching(filter: String, topic: String, expected: Bool) throws {
        #expect(try TopicFilter(filter).matches(topic) == expected)
        #expect(TopicFilter.matches(filter: filter, topic: topic) == expected)
        #expect(Self.referenceMatches(filter: filter, topic: topic) == expected, "reference matcher disagrees")
    }

    // MARK: Cross-check against an independent matcher

    /// A byte-at-a-time recursive matcher, written from §4.7 without splitting into levels.
    static func referenceMatches(filter: String, topic: String) -> Bool {
        let f = Array(filter.utf8)
        let t = Array(topic.utf8)
        let slash = UInt8(ascii: "/")
        let plus = UInt8(ascii: "+")
        let hash = UInt8(ascii: "#")
        if t.first == UInt8(ascii: "$") && (f.first == plus || f.first == hash) { return false }
        func match(_ i: Int, _ j: Int) -> Bool {
            if i == f.count { return j == t.count }
            switch f[i] {
            case hash:
                return true
            case plus:
                var k = j
                while k < t.count && t[k] != slash { k += 1 }
                return match(i + 1, k)
            case slash where j == t.count:
                // "x/#" also matches the parent "x".
                return i + 2 == f.count && f[i + 1] == hash
            default:
                return j < t.count && t[j] == f[i] && match(i + 1, j + 1)
            }
        }
        return match(0, 0)
    }

    static let levelAlphabet = ["a", "b", "ab", "", "$SYS", "$", "é", "e\u{301}", "\u{301}", "x y", "😀"]

    static func randomLevels(_ rng: inout SplitMix64, count: Int) -> [String] {
        (0..<count).map { _ in rng.element(levelAlphabet) }
    }

    @Test func randomPairsAgreeWithReference() throws {
        let seed: UInt64 = 0x5EED_0001
        var rng = SplitMix64(seed: seed)
        var matched = 0
        for iteration in 0..<20_000 {
            let topicLevels = Self.randomLevels(&rng, count: rng.int(1...5))
            let topic = topicLevels.joined(separator: "/")
            guard !topic.isEmpty else { continue }
            // Filters are often derived from the topic so that matches are common.
            var filterLevels = rng.int(0...2) == 0 ? Self.randomLevels(&rng, count: rng.int(1...5)) : topicLevels
            for index in filterLevels.indices where rng.int(0...3) == 0 { filterLevels[index] = "+" }
            if rng.bool() {
                filterLevels = Array(filterLevels.prefix(rng.int(0...filterLevels.count))) + ["#"]
            }
            let filter = filterLevels.joined(separator: "/")
            guard !filter.isEmpty else { continue }
            let parsed = try TopicFilter(filter)
            let expected = Self.referenceMatches(filter: filter, topic: topic)
            if expected { matched += 1 }
            #expect(
                parsed.matches(topic) == expected, "seed \(seed) iteration \(iteration): \"\(filter)\" vs \"\(topic)\"")
            #expect(TopicFilter.matches(filter: filter, topic: topic) == expected)
            // Every valid topic matches itself, "#" unless it starts with "$", and its own level count of "+".
            #expect(try TopicFilter(topic).matches(topic), "seed \(seed) iteration \(iteration): \"\(topic)\"")
            let dollar = topic.utf8.first == UInt8(ascii: "$")
            #expect(try TopicFilter("#").matches(topic) == !dollar)
            let pluses = Array(repeating: "+", count: topicLevels.count).joined(separator: "/")
            #expect(try TopicFilter(pluses).matches(topic) == !dollar)
        }
        // The generator really exercises both outcomes.
        #expect(matched > 2_000 && matched < 18_000, "seed \(seed): \(matched) matches")
    }

    @Test func randomFilterStringsValidateLikeTheRules() {
        let seed: UInt64 = 0x5EED_0002
        var rng = SplitMix64(seed: seed)
        let alphabet: [String] = ["a", "/", "+", "#", "é", "\u{301}", "$"]
        for iteration in 0..<10_000 {
            let filter = (0..<rng.int(1...6)).map { _ in rng.element(alphabet) }.joined()
            let levels = filter.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).map(
                Array.init)
            let valid = levels.enumerated().allSatisfy { index, level in
                let hasHash = level.contains(UInt8(ascii: "#"))
                let hasPlus = level.contains(UInt8(ascii: "+"))
                if hasHash { return level == [UInt8(ascii: "#")] && index == levels.count - 1 }
                if hasPlus { return level == [UInt8(ascii: "+")] }
                return true
            }
            let accepted = (try? TopicFilter.validate(filter)) != nil
            #expect(accepted == valid, "seed \(seed) iteration \(iteration): \"\(filter)\" \(Array(filter.utf8))")
        }
    }
}
