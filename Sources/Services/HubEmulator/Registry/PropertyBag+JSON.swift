import IoTHubProtocol

extension PropertyBag {
    /// The bag as a JSON object in entry order (a key without value is `null`; a repeated key keeps its
    /// first position and last value).
    var jsonObject: JSONValue {
        .object(JSONObject(entries.map { ($0.key, JSONValue.optional($0.value)) }))
    }

    /// Reads a JSON object of string (or `null`) members in order.
    init(jsonObject fields: JSONFields) throws(HubError) {
        var bag = PropertyBag()
        for (key, value) in fields.object {
            switch value {
            case .null: bag.append(key: key, value: nil)
            case .string(let string): bag.append(key: key, value: string)
            default:
                throw HubError(.argumentInvalid, "\(fields.name(key)) must be a string or null, not \(value.kindName)")
            }
        }
        self = bag
    }
}
