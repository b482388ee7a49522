import IoTHubProtocol
import Testing

@Suite("ReportedPropertiesValidator")
struct ReportedPropertiesValidatorTests {
    let validator = ReportedPropertiesValidator()

    /// `{"level1":{"level2":…{"levelN":{}}}}`.
    static func nested(_ levels: Int) -> JSONValue {
        var value: JSONValue = [:]
        for level in stride(from: levels, through: 1, by: -1) {
            value = .object(JSONObject([("level\(level)", value)]))
        }
        return value
    }

    /// `{"a":[[…[["one"]]…]]}` with `levels` nested arrays.
    static func nestedArrays(_ levels: Int) -> JSONValue {
        var value: JSONValue = ["one"]
        for _ in 1..<levels { value = [value] }
        return ["a": value]
    }

    @Test(
        "valid patches",
        arguments: [
            #"{}"#, #"{"ok":"good","level1":{"field1":null}}"#, #"{"array":[0,1,2]}"#, #"{"pi":3.14,"flag":true,"s":""}"#,
            #"{"ok":"ok","complex":{"array":[["one","two"],["four","five"],["seven",{"ok":"ok"}]],"pi":3.14}}"#,
            #"{"max":4503599627370495,"min":-4503599627370496}"#, #"{"big":1e300}"#, #"{"name_with-dashes:and@symbols":1}"#,
            #"{"日本":"ü"}"#, #"{"a":[]}"#,
        ])
    func valid(text: String) throws {
        try validator.validate(JSONValue(parsing: text))
    }

    @Test("depth: 10 nested levels pass, 11 fail (edgeHub's test cases)")
    func depth() throws {
        try validator.validate(Self.nested(10))
        let error = #expect(throws: TwinValidationError.self) { try validator.validate(Self.nested(11)) }
        #expect(error?.code == .tooDeep)
        #expect(error?.path == "level1.level2.level3.level4.level5.level6.level7.level8.level9.level10.level11")
        #expect(error?.message == "nesting depth at \(error?.path ?? "") exceeds the maximum 10")
    }

    @Test("depth counts array levels too")
    func arrayDepth() throws {
        try validator.validate(Self.nestedArrays(10))
        let error = #expect(throws: TwinValidationError.self) { try validator.validate(Self.nestedArrays(11)) }
        #expect(error?.code == .tooDeep)
        #expect(error?.path == "a[0][0][0][0][0][0][0][0][0][0]")
        // edgeHub's case: object level 1, array at level 2, nine more array levels.
        let edgeHubCase = try JSONValue(parsing: #"{"ok":"ok","level1":{"array1":[[[[[[[[[["one","two","three"]]]]]]]]]]}}"#)
        #expect(throws: TwinValidationError.self) { try validator.validate(edgeHubCase) }
    }

    @Test(
        "limit violations name the path",
        arguments: [
            (#"{"ok":"ok","level":{"ok":"ok","propertyWithBigValue":"\#(String(repeating: "*", count: 5000))"}}"#,
             TwinValidationError.Code.valueTooLong, "level.propertyWithBigValue",
             "value of property level.propertyWithBigValue is 5000 bytes, more than the maximum 4096"),
            (#"{"level":{"invalidNumber":-4503599627370497}}"#, .integerOutOfRange, "level.invalidNumber",
             "property level.invalidNumber has the out-of-range value -4503599627370497; valid integers are between -4503599627370496 and 4503599627370495"),
            (#"{"n":4503599627370496}"#, .integerOutOfRange, "n", "property n has the out-of-range value 4503599627370496; valid integers are between -4503599627370496 and 4503599627370495"),
            (#"{"o#k":"good"}"#, .invalidPropertyName, "o#k", #"property name "o#k" at o#k contains the invalid character U+0023"#),
            (#"{"a":{"b.c":1}}"#, .invalidPropertyName, "a.b.c", #"property name "b.c" at a.b.c contains the invalid character U+002E"#),
            (#"{"$version":1}"#, .invalidPropertyName, "$version", #"property name "$version" at $version contains the invalid character U+0024"#),
            (#"{"a b":1}"#, .invalidPropertyName, "a b", #"property name "a b" at a b contains the invalid character U+0020"#),
            (#"{"tab\there":1}"#, .invalidPropertyName, "tab\there", "property name \"tab\there\" at tab\there contains the invalid character U+0009"),
            (#"{"nbsp\#u{00A0}":1}"#, .invalidPropertyName, "nbsp\u{00A0}", "property name \"nbsp\u{00A0}\" at nbsp\u{00A0} contains the invalid character U+00A0"),
            (#"{"ideo\#u{3000}":1}"#, .invalidPropertyName, "ideo\u{3000}", "property name \"ideo\u{3000}\" at ideo\u{3000} contains the invalid character U+3000"),
            (#"{"ctl\u007f":1}"#, .invalidPropertyName, "ctl\u{7F}", "property name \"ctl\u{7F}\" at ctl\u{7F} contains the invalid character U+007F"),
            (#"{"nul\u0000":1}"#, .invalidPropertyName, "nul\u{0}", "property name \"nul\u{0}\" at nul\u{0} contains the invalid character U+0000"),
            (#"{"ok":["good"],"ok2":[],"level1":[{"field1":null}]}"#, .nullInArray, "level1[0].field1",
             "property level1[0].field1 of an object in an array cannot be null"),
            (#"{"ok":"ok","complex":{"array1":["one","two",{"array2":[{"hello":null}]}]}}"#, .nullInArray,
             "complex.array1[2].array2[0].hello", "property complex.array1[2].array2[0].hello of an object in an array cannot be null"),
            (#"{"ok":"ok","array":["foo",null,"boo"]}"#, .nullInArray, "array[1]", "array array cannot contain null (at array[1])"),
            (#"{"complex":{"array":[["one","two","three"],["four",null,"six"]]}}"#, .nullInArray, "complex.array[1][1]",
             "array complex.array[1] cannot contain null (at complex.array[1][1])"),
            (#"{"a":[{"b":{"c":[1,{"d":{"e.f":1}}]}}]}"#, .invalidPropertyName, "a[0].b.c[1].d.e.f",
             #"property name "e.f" at a[0].b.c[1].d.e.f contains the invalid character U+002E"#),
            ("[]", .notAnObject, "", "reported properties must be a JSON object"),
            (#""s""#, .notAnObject, "", "reported properties must be a JSON object"),
        ] as [(String, TwinValidationError.Code, String, String)])
    func violations(text: String, code: TwinValidationError.Code, path: String, message: String) throws {
        let patch = try JSONValue(parsing: text)
        let error = #expect(throws: TwinValidationError.self) { try validator.validate(patch) }
        #expect(error?.code == code)
        #expect(error?.path == path)
        #expect(error?.message == message)
    }

    @Test("string length is counted in UTF-8 bytes")
    func utf8Length() throws {
        let ok: JSONValue = ["s": .string(String(repeating: "é", count: 2048))]  // 4096 bytes
        try validator.validate(ok)
        let tooLong: JSONValue = ["s": .string(String(repeating: "é", count: 2048) + "x")]
        let error = #expect(throws: TwinValidationError.self) { try validator.validate(tooLong) }
        #expect(error?.code == .valueTooLong)
    }

    @Test("property names: 1024 UTF-8 bytes pass, 1025 fail")
    func nameLength() throws {
        try validator.validate(.object(JSONObject([(String(repeating: "a", count: 1024), 1)])))
        let longName = String(repeating: "*", count: 5000)
        let error = #expect(throws: TwinValidationError.self) {
            try validator.validate(.object(JSONObject([(longName + " ", "good")])))
        }
        #expect(error?.code == .propertyNameTooLong)
        #expect(error?.message == "property name \"**********…\" is 5001 bytes, more than the maximum 1024")
        let multibyte = String(repeating: "日", count: 342)  // 1026 bytes, 342 characters
        #expect(throws: TwinValidationError.self) { try validator.validate(.object(JSONObject([(multibyte, 1)]))) }
    }

    @Test("document size: 32 KiB of compact JSON")
    func documentSize() throws {
        // edgeHub's case: nine 3000-byte arrays serialised as base64 strings of 4000 characters.
        var object = JSONObject()
        for index in 1...9 {
            object["LargeByteArray\(index == 1 ? "" : String(index))"] = .string(String(repeating: "A", count: 4000))
        }
        let error = #expect(throws: TwinValidationError.self) { try validator.validate(.object(object)) }
        #expect(error?.code == .documentTooLarge)
        #expect(error?.message == "reported properties are 36189 bytes, more than the maximum 32768")

        // Exactly at the limit passes (strings of at most 4096 bytes, filled up to 32768 bytes).
        var exact = JSONObject()
        var size = 2  // {}
        var index = 0
        while size < 32 * 1024 {
            let key = "k\(index)"
            let overhead = (index == 0 ? 0 : 1) + key.utf8.count + 2 + 1 + 2
            let room = min(4096, 32 * 1024 - size - overhead)
            exact[key] = .string(String(repeating: "x", count: room))
            size += overhead + room
            index += 1
        }
        #expect(JSONValue.object(exact).jsonBytes.count == 32 * 1024)
        try validator.validate(.object(exact))
        var over = exact
        over["z"] = 1
        #expect(throws: TwinValidationError.self) { try validator.validate(.object(over)) }
    }

    @Test("$version/$metadata at the top level can be allowed for stored sections")
    func serviceMetadata() throws {
        let stored = try JSONValue(parsing: #"{"temp":1,"$metadata":{"$lastUpdated":"x"},"$version":3}"#)
        #expect(throws: TwinValidationError.self) { try validator.validate(stored) }
        try ReportedPropertiesValidator(allowsServiceMetadata: true).validate(stored)
        let nested = try JSONValue(parsing: #"{"a":{"$version":1}}"#)
        #expect(throws: TwinValidationError.self) { try ReportedPropertiesValidator(allowsServiceMetadata: true).validate(nested) }
    }

    @Test("validating raw bytes parses first")
    func rawBytes() throws {
        let object = try validator.validate(json: Array(#"{"b":1,"a":2}"#.utf8))
        #expect(object.keys == ["b", "a"])
        let error = #expect(throws: TwinValidationError.self) { try validator.validate(json: Array("{bad".utf8)) }
        #expect(error?.code == .invalidJSON)
        #expect(error?.message.hasPrefix("reported properties are not valid JSON") == true)
    }
}
