import IoTHubProtocol

/// Docker's `filters` query parameter: a map from filter name to values, e.g. `label` → `["owner=edge"]`, sent as
/// `{"label":{"owner=edge":true}}`.
public struct DockerFilters: Sendable, Hashable, ExpressibleByDictionaryLiteral {
    public var values: [String: [String]]

    public init(_ values: [String: [String]] = [:]) { self.values = values }

    public init(dictionaryLiteral elements: (String, [String])...) {
        values = [:]
        for (key, list) in elements { values[key, default: []] += list }
    }

    /// Adds one value to a filter.
    public mutating func add(_ name: String, _ value: String) { values[name, default: []].append(value) }

    public var isEmpty: Bool { values.isEmpty }

    /// The JSON Docker takes.
    public var jsonString: String {
        let object = JSONObject(
            values.keys.sorted().map { key in
                (key, JSONValue.object(JSONObject(values[key]!.map { ($0, JSONValue.bool(true)) })))
            }
        )
        return JSONValue.object(object).jsonString
    }
}
