/// Writes a ``ConfigTable`` as TOML text: in each table the plain values first (in table order), then
/// sub-tables as `[a.b]` sections and arrays of tables as `[[a.b]]`. Tables marked ``ConfigTable/isInline``
/// stay on their key's line as `{ k = v, … }`.
public enum TOMLWriter {
    public static func write(_ table: ConfigTable) -> String {
        var output = ""
        writeBody(table, path: [], into: &output)
        return output
    }

    private static func writeBody(_ table: ConfigTable, path: [String], into output: inout String) {
        var sections: [(key: String, value: ConfigValue)] = []
        for (key, value) in table {
            if isSection(value) {
                sections.append((key, value))
            } else {
                output += "\(formatKey(key)) = \(formatInline(value))\n"
            }
        }
        for (key, value) in sections {
            let sectionPath = path + [key]
            let header = sectionPath.map(formatKey).joined(separator: ".")
            switch value {
            case .table(let sub):
                if !output.isEmpty { output += "\n" }
                output += "[\(header)]\n"
                writeBody(sub, path: sectionPath, into: &output)
            case .array(let items):
                for case .table(let sub) in items {
                    if !output.isEmpty { output += "\n" }
                    output += "[[\(header)]]\n"
                    writeBody(sub, path: sectionPath, into: &output)
                }
            default:
                break
            }
        }
    }

    /// A non-inline table, or a non-empty array whose elements are all non-inline tables.
    private static func isSection(_ value: ConfigValue) -> Bool {
        switch value {
        case .table(let table):
            return !table.isInline
        case .array(let items):
            return !items.isEmpty && items.allSatisfy {
                if case .table(let table) = $0 { return !table.isInline }
                return false
            }
        default:
            return false
        }
    }

    /// A value as it appears after `key = `.
    public static func formatInline(_ value: ConfigValue) -> String {
        switch value {
        case .string(let string): return quote(string)
        case .integer(let integer): return String(integer)
        case .float(let float):
            if float.isNaN { return "nan" }
            if float.isInfinite { return float < 0 ? "-inf" : "inf" }
            let text = String(float)
            return text.contains(".") || text.contains("e") ? text : text + ".0"
        case .boolean(let boolean): return boolean ? "true" : "false"
        case .dateTime(let text): return text
        case .array(let items): return "[" + items.map(formatInline).joined(separator: ", ") + "]"
        case .table(let table):
            if table.isEmpty { return "{}" }
            return "{ " + table.map { "\(formatKey($0.key)) = \(formatInline($0.value))" }.joined(separator: ", ") + " }"
        }
    }

    /// A bare key when it is made only of `A-Za-z0-9_-`, else a quoted key.
    public static func formatKey(_ key: String) -> String {
        let bare = !key.isEmpty && key.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || scalar == "_" || scalar == "-")
        }
        return bare ? key : quote(key)
    }

    /// A TOML basic string with the required escapes.
    public static func quote(_ string: String) -> String {
        var result = "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case "\u{08}": result += "\\b"
            case "\u{0C}": result += "\\f"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    let hex = String(scalar.value, radix: 16, uppercase: true)
                    result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result + "\""
    }
}
