import TOMLKit

extension ConfigTable {
    /// Parses TOML text. `source` names the file in error messages.
    public init(toml text: String, source: String = "<string>") throws(ConfigError) {
        let parsed: TOMLKit.TOMLTable
        do {
            parsed = try TOMLKit.TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw ConfigError(.syntax, "\(source): line \(error.source.begin.line), column \(error.source.begin.column): \(error.description)")
        } catch {
            throw ConfigError(.syntax, "\(source): \(error)")
        }
        self = Self.convert(parsed)
    }

    private static func convert(_ table: TOMLKit.TOMLTable) -> ConfigTable {
        var result = ConfigTable(isInline: table.inline)
        for (key, value) in table { result[key] = convert(value) }
        return result
    }

    private static func convert(_ value: any TOMLValueConvertible) -> ConfigValue {
        switch value.type {
        case .string: return .string(value.string ?? "")
        case .int: return .integer(value.int ?? 0)
        case .double: return .float(value.double ?? 0)
        case .bool: return .boolean(value.bool ?? false)
        case .array: return .array((value.array ?? []).map { convert($0) })
        case .table: return .table(convert(value.table ?? TOMLKit.TOMLTable()))
        case .date: return .dateTime(value.date.map { "\($0)" } ?? "")
        case .time: return .dateTime(value.time.map { "\($0)" } ?? "")
        case .dateTime: return .dateTime(value.dateTime.map { "\($0)" } ?? "")
        }
    }
}
