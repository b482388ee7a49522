/// Writes a ``ConfigTable`` as TOML text laid out the way the reference's `aziotctl config apply` writes its
/// files, so that generated configs compare byte for byte:
///
/// - in each table the plain values first (in table order), then the sub-tables as `[a.b]` sections and the
///   arrays of tables as `[[a.b]]`, depth first;
/// - a section header is written when the table holds plain values or is empty; a table that only holds
///   sub-tables gets no header of its own (`[cert_issuance.est]` without a bare `[cert_issuance]`);
/// - a blank line before every header but the first line of the file;
/// - arrays on one line (`["a", "b"]`); tables marked ``ConfigTable/isInline`` as `{ k = v, … }`;
/// - strings as basic strings (`"…"`, a tab written `\t`) unless they hold `"` or `\` (then literal `'…'` when
///   possible) or a line break (then multi-line `"""…"""`); keys bare when made of `A-Za-z0-9_-`, else quoted.
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
                if sub.isEmpty || sub.contains(where: { !isSection($0.value) }) {
                    if !output.isEmpty { output += "\n" }
                    output += "[\(header)]\n"
                }
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
        case .string(let string): return formatString(string)
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

    /// A bare key when it is made only of `A-Za-z0-9_-`; else a basic, literal or escaped quoted key.
    public static func formatKey(_ key: String) -> String {
        let bare = !key.isEmpty && key.utf8.allSatisfy { byte in
            isASCIIAlphanumeric(byte) || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
        }
        if bare { return key }
        let metrics = StringMetrics(key)
        if !metrics.needsEscapeCodes && !metrics.hasBackslash && metrics.longestDoubleQuoteRun == 0 { return quote(key) }
        if !metrics.needsEscapeCodes && metrics.longestSingleQuoteRun == 0 { return "'\(key)'" }
        return quote(key)
    }

    /// A string value in the first form that needs no escapes: basic, literal, multi-line basic, multi-line
    /// literal; else an escaped (multi-line when it holds a line break) basic string.
    public static func formatString(_ string: String) -> String {
        let metrics = StringMetrics(string)
        let lineBreakPrefix = metrics.hasNewline ? "\n" : ""
        if !metrics.needsEscapeCodes && !metrics.hasBackslash && metrics.longestDoubleQuoteRun == 0 && !metrics.hasNewline {
            return quote(string)
        }
        if !metrics.needsEscapeCodes && metrics.longestSingleQuoteRun == 0 && !metrics.hasNewline {
            return "'\(string)'"
        }
        if !metrics.needsEscapeCodes && !metrics.hasBackslash && metrics.longestDoubleQuoteRun <= 2 {
            return "\"\"\"" + lineBreakPrefix + escape(string, multiline: true) + "\"\"\""
        }
        if !metrics.needsEscapeCodes && metrics.longestSingleQuoteRun <= 2 {
            return "'''" + lineBreakPrefix + string + "'''"
        }
        if metrics.hasNewline {
            return "\"\"\"" + lineBreakPrefix + escape(string, multiline: true) + "\"\"\""
        }
        return quote(string)
    }

    /// A TOML basic string with every character that needs it escaped.
    public static func quote(_ string: String) -> String {
        "\"" + escape(string, multiline: false) + "\""
    }

    private static func escape(_ string: String, multiline: Bool) -> String {
        var result = ""
        var quoteRun = 0
        for scalar in string.unicodeScalars {
            if scalar == "\"" {
                quoteRun += 1
                if !multiline || quoteRun > 2 {
                    result += "\\\""
                    quoteRun = 0
                } else {
                    result += "\""
                }
                continue
            }
            quoteRun = 0
            switch scalar {
            case "\\": result += "\\\\"
            case "\n": result += multiline ? "\n" : "\\n"
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
        return result
    }

    private static func isASCIIAlphanumeric(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }

    /// What a string holds that decides how it can be written.
    private struct StringMetrics {
        var longestSingleQuoteRun = 0
        var longestDoubleQuoteRun = 0
        var needsEscapeCodes = false
        var hasBackslash = false
        var hasNewline = false

        init(_ string: String) {
            var singleRun = 0
            var doubleRun = 0
            for byte in string.utf8 {
                singleRun = byte == UInt8(ascii: "'") ? singleRun + 1 : 0
                doubleRun = byte == UInt8(ascii: "\"") ? doubleRun + 1 : 0
                longestSingleQuoteRun = max(longestSingleQuoteRun, singleRun)
                longestDoubleQuoteRun = max(longestDoubleQuoteRun, doubleRun)
                switch byte {
                case UInt8(ascii: "\\"): hasBackslash = true
                case UInt8(ascii: "\t"): break
                case UInt8(ascii: "\n"): hasNewline = true
                case let control where control <= 0x1F || control == 0x7F: needsEscapeCodes = true
                default: break
                }
            }
        }
    }
}
