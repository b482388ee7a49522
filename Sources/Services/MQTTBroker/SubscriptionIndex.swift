import MQTTProtocol
import MQTTServer

/// One level of a topic or filter, compared byte for byte: MQTT forbids Unicode normalisation (§4.7.3),
/// which `Substring` equality would apply.
struct TopicLevel: Hashable {
    let text: Substring

    static func == (lhs: TopicLevel, rhs: TopicLevel) -> Bool { lhs.text.utf8.elementsEqual(rhs.text.utf8) }

    func hash(into hasher: inout Hasher) {
        for byte in text.utf8 { hasher.combine(byte) }
    }

    static let singleLevelWildcard = TopicLevel(text: "+")
    static let multiLevelWildcard = TopicLevel(text: "#")

    /// Splits on the `/` byte (a `/` followed by a combining mark is still a separator).
    static func split(_ topic: String) -> [TopicLevel] {
        topic.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).map { TopicLevel(text: Substring($0)) }
    }
}

/// Topic filters → sessions, as a trie over topic levels, so matching a topic costs its depth rather than the
/// number of subscriptions. Not thread-safe; ``InMemoryBroker`` guards it.
struct SubscriptionIndex {
    private final class Node {
        var children: [TopicLevel: Node] = [:]
        var subscribers: [ObjectIdentifier: (session: MQTTSession, qos: QoS)] = [:]
        var isEmpty: Bool { children.isEmpty && subscribers.isEmpty }
    }

    private let root = Node()
    /// Filters per session, to remove a whole session quickly.
    private var filtersBySession: [ObjectIdentifier: Set<String>] = [:]

    mutating func add(_ filter: String, qos: QoS, session: MQTTSession) {
        var node = root
        for level in TopicLevel.split(filter) {
            if let child = node.children[level] {
                node = child
            } else {
                let child = Node()
                node.children[level] = child
                node = child
            }
        }
        node.subscribers[ObjectIdentifier(session)] = (session, qos)
        filtersBySession[ObjectIdentifier(session), default: []].insert(filter)
    }

    mutating func remove(_ filter: String, session: MQTTSession) {
        let key = ObjectIdentifier(session)
        filtersBySession[key]?.remove(filter)
        if filtersBySession[key]?.isEmpty == true { filtersBySession[key] = nil }
        Self.remove(TopicLevel.split(filter)[...], key: key, from: root)
    }

    mutating func removeAll(for session: MQTTSession) {
        guard let filters = filtersBySession[ObjectIdentifier(session)] else { return }
        for filter in filters { remove(filter, session: session) }
    }

    /// Every session with a filter matching `topic`, once each, at the highest QoS granted among its filters.
    func match(_ topic: String) -> [(session: MQTTSession, qos: QoS)] {
        let levels = TopicLevel.split(topic)
        var found: [ObjectIdentifier: (session: MQTTSession, qos: QoS)] = [:]
        Self.collect(levels[...], node: root, isFirstLevel: true, systemTopic: topic.hasPrefix("$"), into: &found)
        return Array(found.values)
    }

    private static func collect(
        _ levels: ArraySlice<TopicLevel>,
        node: Node,
        isFirstLevel: Bool,
        systemTopic: Bool,
        into found: inout [ObjectIdentifier: (session: MQTTSession, qos: QoS)]
    ) {
        let wildcardsAllowed = !(isFirstLevel && systemTopic)
        if wildcardsAllowed, let all = node.children[.multiLevelWildcard] { merge(all.subscribers, into: &found) }
        guard let level = levels.first else {
            merge(node.subscribers, into: &found)
            return
        }
        let rest = levels.dropFirst()
        if let exact = node.children[level] {
            collect(rest, node: exact, isFirstLevel: false, systemTopic: systemTopic, into: &found)
        }
        if wildcardsAllowed, let any = node.children[.singleLevelWildcard] {
            collect(rest, node: any, isFirstLevel: false, systemTopic: systemTopic, into: &found)
        }
    }

    private static func merge(
        _ subscribers: [ObjectIdentifier: (session: MQTTSession, qos: QoS)],
        into found: inout [ObjectIdentifier: (session: MQTTSession, qos: QoS)]
    ) {
        for (key, entry) in subscribers {
            if let existing = found[key], existing.qos >= entry.qos { continue }
            found[key] = entry
        }
    }

    @discardableResult
    private static func remove(_ levels: ArraySlice<TopicLevel>, key: ObjectIdentifier, from node: Node) -> Bool {
        if let level = levels.first {
            if let child = node.children[level], remove(levels.dropFirst(), key: key, from: child) {
                node.children[level] = nil
            }
        } else {
            node.subscribers[key] = nil
        }
        return node.isEmpty
    }
}
