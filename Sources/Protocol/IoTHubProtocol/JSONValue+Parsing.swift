extension JSONValue {
    /// The maximum nesting of arrays and objects the parser accepts (a guard against stack exhaustion).
    public static let maxParsingDepth = 512

    /// Parses JSON text (RFC 8259, strict: no comments, no trailing commas, no NaN/Infinity; any
    /// top-level value; surrounding whitespace allowed). Object key order is preserved; a repeated key
    /// keeps its first position and last value.
    public init(parsing text: String) throws(JSONParseError) {
        try self.init(parsing: Array(text.utf8))
    }

    /// Parses UTF-8 JSON bytes (see ``init(parsing:)``).
    public init(parsing bytes: some Sequence<UInt8>) throws(JSONParseError) {
        var parser = JSONParser(bytes: Array(bytes))
        self = try parser.parseDocument()
    }
}
