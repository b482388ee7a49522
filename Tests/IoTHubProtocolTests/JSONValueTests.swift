import Foundation
import IoTHubProtocol
import Testing

@Suite("JSONValue")
struct JSONValueTests {
    @Test(
        "parses scalars with the right kind",
        arguments: [
            ("null", JSONValue.null), ("true", .bool(true)), ("false", .bool(false)), ("0", .int(0)), ("-0", .int(0)),
            ("42", .int(42)), ("-42", .int(-42)), ("9223372036854775807", .int(.max)), ("-9223372036854775808", .int(.min)),
            ("9223372036854775808", .double(9_223_372_036_854_775_808)), ("1.0", .double(1)), ("1.5", .double(1.5)),
            ("-0.25", .double(-0.25)), ("1e2", .double(100)), ("1E-2", .double(0.01)), ("2.5e+3", .double(2500)),
            ("\"\"", .string("")), ("\"a\\\"b\\\\c\\/d\"", .string("a\"b\\c/d")),
            ("\"\\b\\f\\n\\r\\t\"", .string("\u{8}\u{C}\n\r\t")), ("\"\\u00e9\\u65E5\"", .string("é日")),
            ("\"\\ud83d\\ude00\"", .string("😀")), ("\"日本😀\"", .string("日本😀")), (" \t\r\n 7 \n", .int(7)),
        ])
    func scalars(text: String, expected: JSONValue) throws {
        #expect(try JSONValue(parsing: text) == expected)
    }

    @Test("objects keep key order; equality ignores it")
    func objectOrder() throws {
        let value = try JSONValue(parsing: #"{"z":1,"a":{"y":true,"b":null},"m":[1,"x",{"k":2.5}]}"#)
        let object = try #require(value.objectValue)
        #expect(object.keys == ["z", "a", "m"])
        #expect(value["a"]?.objectValue?.keys == ["y", "b"])
        #expect(value.jsonString == #"{"z":1,"a":{"y":true,"b":null},"m":[1,"x",{"k":2.5}]}"#)
        let reordered = try JSONValue(parsing: #"{"m":[1,"x",{"k":2.5}],"a":{"b":null,"y":true},"z":1}"#)
        #expect(reordered == value)
        #expect(reordered.hashValue == value.hashValue)
        #expect(!(reordered.objectValue!.isIdentical(to: object)))
        #expect(object.isIdentical(to: object))
        #expect(try JSONValue(parsing: #"{"a":[1,2]}"#) != (try JSONValue(parsing: #"{"a":[2,1]}"#)))
    }

    @Test("a repeated key keeps its first position and its last value")
    func repeatedKey() throws {
        let value = try JSONValue(parsing: #"{"a":1,"b":2,"a":3}"#)
        #expect(value.objectValue?.keys == ["a", "b"])
        #expect(value["a"] == .int(3))
    }

    @Test("serializes compactly with minimal escaping")
    func serialization() {
        let value: JSONValue = [
            "s": "quote\" backslash\\ slash/ nl\n tab\t cr\r bs\u{8} ff\u{C} nul\u{0} us\u{1F} é 😀",
            "n": nil, "t": true, "f": false, "i": -5, "d": 0.1, "big": 1e20, "arr": [], "obj": [:],
        ]
        #expect(value.jsonString == #"{"s":"quote\" backslash\\ slash/ nl\n tab\t cr\r bs\b ff\f nul\u0000 us\u001f é 😀","n":null,"t":true,"f":false,"i":-5,"d":0.1,"big":1e+20,"arr":[],"obj":{}}"#)
        #expect(value.description == value.jsonString)
        #expect(value.jsonBytes == Array(value.jsonString.utf8))
        #expect(JSONValue.double(.infinity).jsonString == "null")
        #expect(JSONValue.double(.nan).jsonString == "null")
    }

    @Test("serialize → parse is the identity (including key order)")
    func roundTrip() throws {
        let value: JSONValue = [
            "desired": ["b": 1, "a": ["x": [1, 2.5, "s", true, nil, ["deep": [:]]]], "$version": 4],
            "unicode": "日本\u{1}\"\\", "neg": -9_007_199_254_740_993, "frac": 123.456e-7,
        ]
        let reparsed = try JSONValue(parsing: value.jsonString)
        #expect(reparsed == value)
        #expect(reparsed.jsonString == value.jsonString)
    }

    @Test("parses JSONSerialization output")
    func fromJSONSerialization() throws {
        let object: [String: Any] = ["a": 1, "b": [true, "x", 2.5], "c": ["d": NSNull()], "e": "é/\"", "f": -3]
        let data = try JSONSerialization.data(withJSONObject: object)
        let parsed = try JSONValue(parsing: data)
        #expect(parsed == ["a": 1, "b": [true, "x", 2.5], "c": ["d": nil], "e": "é/\"", "f": -3])
        // And our output is readable by JSONSerialization.
        let back = try JSONSerialization.jsonObject(with: Data(parsed.jsonBytes)) as? [String: Any]
        #expect(back?["e"] as? String == "é/\"")
        #expect((back?["b"] as? [Any])?.count == 3)
    }

    @Test("Codable: JSONEncoder output parses back equal; JSONDecoder decodes")
    func codable() throws {
        let value: JSONValue = ["a": [1, 2.5, "x", nil, true], "b": ["c": -7], "d": "日本"]
        let encoded = try JSONEncoder().encode(value)
        #expect(try JSONValue(parsing: encoded) == value)
        #expect(try JSONDecoder().decode(JSONValue.self, from: encoded) == value)
        let decoded = try JSONDecoder().decode(JSONValue.self, from: Data(#"[1, 1.5, "s", null, false, {"k": []}]"#.utf8))
        #expect(decoded == [1, 1.5, "s", nil, false, ["k": []]])
        #expect(try JSONDecoder().decode(JSONValue.self, from: Data("1e300".utf8)) == .double(1e300))
        #expect(try JSONDecoder().decode(JSONValue.self, from: Data("9223372036854775807".utf8)) == .int(.max))
    }

    @Test(
        "rejects invalid JSON with the offset",
        arguments: [
            ("", JSONParseError.Code.unexpectedEnd, 0), ("   ", .unexpectedEnd, 3), ("nul", .unexpectedEnd, 3),
            ("nulL", .unexpectedCharacter, 3), ("tru", .unexpectedEnd, 3), ("x", .unexpectedCharacter, 0),
            ("01", .invalidNumber, 1), ("-", .invalidNumber, 1), ("1.", .invalidNumber, 2), ("1e", .invalidNumber, 2),
            (".5", .unexpectedCharacter, 0), ("+1", .unexpectedCharacter, 0), ("1e999", .invalidNumber, 5),
            ("NaN", .unexpectedCharacter, 0), ("Infinity", .unexpectedCharacter, 0), ("\"abc", .unexpectedEnd, 4),
            ("\"a\nb\"", .invalidString, 2), ("\"\\x\"", .invalidString, 2), ("\"\\u12\"", .invalidString, 5),
            ("\"\\ud800\"", .invalidString, 7), ("\"\\udc00\"", .invalidString, 7), ("\"\\ud800\\u0041\"", .invalidString, 13),
            ("[1,]", .unexpectedCharacter, 3), ("[1 2]", .unexpectedCharacter, 3), ("[", .unexpectedEnd, 1),
            ("{\"a\":1,}", .unexpectedCharacter, 7), ("{\"a\" 1}", .unexpectedCharacter, 5), ("{a:1}", .unexpectedCharacter, 1),
            ("{\"a\":1", .unexpectedEnd, 6), ("1 2", .trailingData, 2), ("{} x", .trailingData, 3), ("// c\n1", .unexpectedCharacter, 0),
        ] as [(String, JSONParseError.Code, Int)])
    func invalid(text: String, code: JSONParseError.Code, offset: Int) {
        let error = #expect(throws: JSONParseError.self) { try JSONValue(parsing: text) }
        #expect(error?.code == code, "\(error?.message ?? "")")
        #expect(error?.offset == offset, "\(error?.message ?? "")")
    }

    @Test("invalid UTF-8 inside a string is an error")
    func invalidUTF8() {
        let error = #expect(throws: JSONParseError.self) { try JSONValue(parsing: [0x22, 0xFF, 0x22]) }
        #expect(error?.code == .invalidUTF8)
    }

    @Test("a UTF-8 byte-order mark is skipped")
    func byteOrderMark() throws {
        #expect(try JSONValue(parsing: [0xEF, 0xBB, 0xBF] + Array("[1]".utf8)) == [1])
    }

    @Test("nesting beyond the parser limit is an error, not a crash")
    func depthLimit() throws {
        let ok = String(repeating: "[", count: JSONValue.maxParsingDepth) + String(repeating: "]", count: JSONValue.maxParsingDepth)
        #expect(throws: Never.self) { try JSONValue(parsing: ok) }
        let deep = String(repeating: "[", count: JSONValue.maxParsingDepth + 1) + String(repeating: "]", count: JSONValue.maxParsingDepth + 1)
        let error = #expect(throws: JSONParseError.self) { try JSONValue(parsing: deep) }
        #expect(error?.code == .tooDeep)
        let hostile = String(repeating: "{\"a\":", count: 100_000)
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: hostile) }
    }

    @Test("accessors")
    func accessors() {
        let value: JSONValue = ["b": true, "i": 3, "d": 1.5, "s": "x", "a": [1], "o": ["k": nil]]
        #expect(value["b"]?.boolValue == true)
        #expect(value["i"]?.intValue == 3)
        #expect(value["i"]?.doubleValue == 3)
        #expect(value["d"]?.doubleValue == 1.5)
        #expect(value["d"]?.intValue == nil)
        #expect(value["s"]?.stringValue == "x")
        #expect(value["a"]?.arrayValue == [1])
        #expect(value["o"]?["k"]?.isNull == true)
        #expect(value["missing"] == nil)
        #expect(JSONValue.int(1)["k"] == nil)
    }

    @Test("JSONObject editing keeps order")
    func objectEditing() {
        var object: JSONObject = ["a": 1, "b": 2]
        object["c"] = 3
        object["a"] = 10
        #expect(object.keys == ["a", "b", "c"])
        object["b"] = nil
        #expect(object.keys == ["a", "c"])
        #expect(object.removeValue(forKey: "zz") == nil)
        #expect(object.removeValue(forKey: "a") == 10)
        #expect(object.values == [3])
        #expect(object.count == 1)
        #expect(object.pairs.map(\.key) == ["c"])
        #expect(object.description == #"{"c":3}"#)
        #expect(JSONObject([("x", 1), ("y", 2), ("x", 3)]).pairs.map(\.value) == [3, 2])
    }
}

@Suite("JSON merge patch (RFC 7386)")
struct MergePatchTests {
    /// The examples of RFC 7386 appendix A.
    @Test(
        "RFC 7386 appendix A",
        arguments: [
            (#"{"a":"b"}"#, #"{"a":"c"}"#, #"{"a":"c"}"#),
            (#"{"a":"b"}"#, #"{"b":"c"}"#, #"{"a":"b","b":"c"}"#),
            (#"{"a":"b"}"#, #"{"a":null}"#, #"{}"#),
            (#"{"a":"b","b":"c"}"#, #"{"a":null}"#, #"{"b":"c"}"#),
            (#"{"a":["b"]}"#, #"{"a":"c"}"#, #"{"a":"c"}"#),
            (#"{"a":"c"}"#, #"{"a":["b"]}"#, #"{"a":["b"]}"#),
            (#"{"a":{"b":"c"}}"#, #"{"a":{"b":"d","c":null}}"#, #"{"a":{"b":"d"}}"#),
            (#"{"a":[{"b":"c"}]}"#, #"{"a":[1]}"#, #"{"a":[1]}"#),
            (#"["a","b"]"#, #"["c","d"]"#, #"["c","d"]"#),
            (#"{"a":"b"}"#, #"["c"]"#, #"["c"]"#),
            (#"{"a":"foo"}"#, "null", "null"),
            (#"{"a":"foo"}"#, #""bar""#, #""bar""#),
            (#"{"e":null}"#, #"{"a":1}"#, #"{"e":null,"a":1}"#),
            (#"[1,2]"#, #"{"a":"b","c":null}"#, #"{"a":"b"}"#),
            ("{}", #"{"a":{"bb":{"ccc":null}}}"#, #"{"a":{"bb":{}}}"#),
        ])
    func rfcExamples(target: String, patch: String, result: String) throws {
        let merged = try JSONValue(parsing: target).merging(patch: JSONValue(parsing: patch))
        #expect(merged == (try JSONValue(parsing: result)))
        #expect(merged.jsonString == result)
    }

    @Test("merge in place keeps existing key positions and appends new keys")
    func inPlace() throws {
        var value = try JSONValue(parsing: #"{"x":1,"y":{"p":1,"q":2},"z":3}"#)
        value.merge(patch: try JSONValue(parsing: #"{"new":true,"y":{"q":null,"r":3},"x":null}"#))
        #expect(value.jsonString == #"{"y":{"p":1,"r":3},"z":3,"new":true}"#)
    }
}
