/// Rules for topic names, the concrete topics a PUBLISH carries (§4.7).
public enum TopicName {
    /// Throws unless `topic` may be published to: non-empty, at most 65535 UTF-8 bytes, no wildcards.
    public static func validate(_ topic: String) throws(MQTTProtocolError) {
        guard !topic.isEmpty else { throw MQTTProtocolError(.invalidTopicName, "topic name is empty") }
        guard topic.utf8.count <= Int(UInt16.max) else {
            throw MQTTProtocolError(.invalidTopicName, "topic name is longer than 65535 bytes")
        }
        for byte in topic.utf8 where byte == UInt8(ascii: "+") || byte == UInt8(ascii: "#") || byte == 0 {
            throw MQTTProtocolError(.invalidTopicName, "topic name \"\(topic)\" contains a wildcard or U+0000")
        }
    }
}

/// A subscription's topic filter with `+` (one level) and `#` (this level and below) wildcards (§4.7).
public struct TopicFilter: Sendable, Hashable, CustomStringConvertible {
    public let filter: String
    /// The filter split on `/`, kept to make matching cheap.
    public let levels: [Substring]

    /// Validates and parses a filter.
    public init(_ filter: String) throws(MQTTProtocolError) {
        try Self.validate(filter)
        self.filter = filter
        self.levels = Self.split(filter)
    }

    public var description: String { filter }

    /// Throws unless `filter` is a valid topic filter: non-empty, `#` only as a whole last level, `+` only as a
    /// whole level, no U+0000.
    public static func validate(_ filter: String) throws(MQTTProtocolError) {
        guard !filter.isEmpty else { throw MQTTProtocolError(.invalidTopicFilter, "topic filter is empty") }
        let levels = split(filter)
        for (index, level) in levels.enumerated() {
            if level.utf8.contains(UInt8(ascii: "#")) && (!isWildcard(level, "#") || index != levels.count - 1) {
                throw MQTTProtocolError(.invalidTopicFilter, "\"#\" must be the whole last level in \"\(filter)\"")
            }
            if level.utf8.contains(UInt8(ascii: "+")) && !isWildcard(level, "+") {
                throw MQTTProtocolError(.invalidTopicFilter, "\"+\" must be a whole level in \"\(filter)\"")
            }
        }
        guard !filter.utf8.contains(0) else {
            throw MQTTProtocolError(.invalidTopicFilter, "topic filter contains U+0000")
        }
    }

    /// Whether a published topic matches this filter. Topics starting with `$` are not matched by a leading
    /// wildcard (§4.7.2).
    public func matches(_ topic: String) -> Bool {
        Self.matches(levels: levels, topic: topic)
    }

    /// Matching without building a `TopicFilter`, for a filter already known to be valid.
    public static func matches(filter: String, topic: String) -> Bool {
        matches(levels: split(filter), topic: topic)
    }

    private static func matches(levels: [Substring], topic: String) -> Bool {
        if topic.utf8.first == UInt8(ascii: "$"), let first = levels.first,
            isWildcard(first, "+") || isWildcard(first, "#")
        {
            return false
        }
        var topicLevels = split(topic)[...]
        for level in levels {
            if isWildcard(level, "#") { return true }
            guard let topicLevel = topicLevels.popFirst() else { return false }
            if !isWildcard(level, "+") && !level.utf8.elementsEqual(topicLevel.utf8) { return false }
        }
        return topicLevels.isEmpty
    }

    // Levels are split and compared as UTF-8 bytes, never as Characters: a combining mark after "/" must not
    // glue two levels together, and canonically equivalent spellings are different topics (§4.7.3).
    private static func split(_ string: String) -> [Substring] {
        string.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).map { Substring($0) }
    }

    private static func isWildcard(_ level: Substring, _ wildcard: Unicode.Scalar) -> Bool {
        level.utf8.count == 1 && level.utf8.first == UInt8(ascii: wildcard)
    }
}
