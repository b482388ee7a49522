import IoTHubProtocol
import Testing

@Suite("PropertyBag")
struct PropertyBagTests {
    @Test("parses keys, values, nil values and decodes")
    func parsesBasic() throws {
        let bag = try PropertyBag(parsing: "a=b&c&%24.mid=x")
        #expect(bag.entries == [
            .init(key: "a", value: "b"), .init(key: "c", value: nil), .init(key: "$.mid", value: "x"),
        ])
        #expect(bag.value(forKey: "a") == "b")
        #expect(bag.value(forKey: "c") == nil)
        #expect(bag.contains(key: "c"))
        #expect(!bag.contains(key: "d"))
        #expect(bag.keys == ["a", "c", "$.mid"])
    }

    @Test("the empty string is the empty bag")
    func emptyBag() throws {
        let bag = try PropertyBag(parsing: "")
        #expect(bag.isEmpty)
        #expect(bag.encoded == "")
    }

    @Test("value is split on the first '=' only")
    func firstEquals() throws {
        let bag = try PropertyBag(parsing: "k=v=w&x==")
        #expect(bag.entries == [.init(key: "k", value: "v=w"), .init(key: "x", value: "=")])
    }

    @Test("'k=' gives an empty value, distinct from 'k'")
    func emptyValue() throws {
        let bag = try PropertyBag(parsing: "k=&j")
        #expect(bag.entries == [.init(key: "k", value: ""), .init(key: "j", value: nil)])
        #expect(bag.encoded == "k=&j")
    }

    @Test("raw '?' is dropped, encoded %3F is kept")
    func questionMarks() throws {
        let bag = try PropertyBag(parsing: "?a=b&c%3F=d?e")
        #expect(bag.entries == [.init(key: "a", value: "b"), .init(key: "c?", value: "de")])
    }

    @Test(
        "malformed bags are errors",
        arguments: [
            ("=a", "must not start with '='"), ("&a=b", "must not start with '&'"), ("a=b&&c=d", "empty entry at position 1"),
            ("a=b&", "empty entry at position 1"), ("a/b", "raw '/'"), ("?=x", "empty key at position 0"),
            ("a=b&=c", "empty key at position 1"),
        ])
    func malformed(input: String, fragment: String) {
        let error = #expect(throws: PropertyBagError.self) { try PropertyBag(parsing: input) }
        #expect(error?.code == .malformed)
        #expect(error?.message.contains(fragment) == true, "\(error?.message ?? "")")
        #expect(error?.message.contains(input) == true)
    }

    @Test("bad percent encoding is an error", arguments: ["a=%zz", "%=b", "a=%E2%82"])
    func badEncoding(input: String) {
        let error = #expect(throws: PropertyBagError.self) { try PropertyBag(parsing: input) }
        #expect(error?.code == .invalidEncoding)
    }

    @Test("renders with Uri.EscapeDataString encoding")
    func renders() {
        let bag: PropertyBag = [("$.ct", "application/json"), ("a/b", "x&y=z"), ("alert", "high temp"), ("flag", nil)]
        #expect(bag.encoded == "%24.ct=application%2Fjson&a%2Fb=x%26y%3Dz&alert=high%20temp&flag")
        #expect(bag.description == bag.encoded)
    }

    @Test(
        "round-trips",
        arguments: [
            PropertyBag(), [("a", "b")], [("a", nil)], [("x", "y"), ("z", "")], [("k", "")],
            [("$.mid", "m-1"), ("$.cid", nil), ("日本", "😀"), ("sp ace", "a&b=c/d?e#f")],
            [("dup", "1"), ("dup", "2")], [("=", "="), ("&", "&"), ("?", "?"), ("%", "%25")],
        ] as [PropertyBag])
    func roundTrips(bag: PropertyBag) throws {
        #expect(try PropertyBag(parsing: bag.encoded) == bag)
    }

    @Test("lookups return the last duplicate; set replaces the first and removes later ones")
    func duplicates() throws {
        var bag = try PropertyBag(parsing: "a=1&b=2&a=3")
        #expect(bag.count == 3)
        #expect(bag.value(forKey: "a") == "3")
        #expect(bag.deduplicated().entries == [.init(key: "a", value: "3"), .init(key: "b", value: "2")])
        bag.set("9", forKey: "a")
        #expect(bag.entries == [.init(key: "a", value: "9"), .init(key: "b", value: "2")])
        bag.set(nil, forKey: "c")
        #expect(bag.encoded == "a=9&b=2&c")
        bag.append(key: "a", value: "x")
        #expect(bag.count == 4)
        let removed = bag.remove(key: "a")
        #expect(removed == .init(key: "a", value: "x"))
        #expect(bag.encoded == "b=2&c")
        #expect(bag.remove(key: "zzz") == nil)
    }
}
