import TOMLConfig

/// A certificate subject given in identityd's configuration: DPS X.509 `registration_id` and manual X.509
/// `csr_subject`. Either a bare common name (`registration_id = "my-device"`) or a table of distinguished-name
/// attributes that must include `CN` (`registration_id = { CN = "my-device", O = "Contoso" }`); attribute names are
/// upper-cased, as the reference does.
public enum CSRSubject: Sendable, Equatable {
    case commonName(String)
    /// `CN` plus other attributes, sorted by name (the reference keeps them in a sorted map).
    case attributes(commonName: String, others: [Attribute])

    public struct Attribute: Sendable, Equatable {
        public var name: String
        public var value: String
        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    /// The common name: the DPS registration id when the subject is `registration_id`.
    public var commonName: String {
        switch self {
        case .commonName(let name), .attributes(let name, _): name
        }
    }

    /// The other attributes (none for a bare common name).
    public var otherAttributes: [Attribute] {
        switch self {
        case .commonName: []
        case .attributes(_, let others): others
        }
    }

    /// The same subject with another common name (manual X.509 uses the device id as CN, keeping the other attributes).
    public func replacingCommonName(_ name: String) -> CSRSubject {
        switch self {
        case .commonName: .commonName(name)
        case .attributes(_, let others): .attributes(commonName: name, others: others)
        }
    }

    /// Reads `key` of `reader` as a string or a table; nil when absent.
    static func read(_ key: String, of reader: ConfigReader) throws(ConfigError) -> CSRSubject? {
        guard let raw = reader.table[key] else { return nil }
        if case .table = raw, let table = try reader.table(key) {
            var commonName: String?
            var others: [Attribute] = []
            for name in table.table.keys {
                let value = try table.required(name, table.string)
                if name.uppercased() == "CN" {
                    commonName = value
                } else {
                    others.append(Attribute(name: name.uppercased(), value: value))
                }
            }
            guard let commonName else { throw reader.invalid(key, "a subject table needs a CN attribute") }
            others.sort { $0.name < $1.name }
            return .attributes(commonName: commonName, others: others)
        }
        guard let name = try reader.string(key) else { return nil }
        return .commonName(name)
    }

    /// The TOML value the reference writes: a string, or a table with `CN` first.
    var configValue: ConfigValue {
        switch self {
        case .commonName(let name):
            return .string(name)
        case .attributes(let name, let others):
            var table = ConfigTable([("CN", .string(name))], isInline: true)
            for attribute in others { table[attribute.name] = .string(attribute.value) }
            return .table(table)
        }
    }
}
