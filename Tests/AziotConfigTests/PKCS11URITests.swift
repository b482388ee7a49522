import AziotConfig
import Testing

@Suite("PKCS#11 URIs")
struct PKCS11URITests {
    /// Every combination of the three path attributes, in every order, with and without a PIN.
    static let permutations: [String] = {
        let attributes = ["slot-id=1", "token=foo%20bar", "object=baz%20quux"]
        var subsets: [[String]] = [[]]
        for attribute in attributes { subsets += subsets.map { $0 + [attribute] } }
        func orders(_ items: [String]) -> [[String]] {
            guard items.count > 1 else { return [items] }
            return items.indices.flatMap { index in
                var rest = items
                let first = rest.remove(at: index)
                return orders(rest).map { [first] + $0 }
            }
        }
        var uris: [String] = []
        for subset in subsets {
            for order in orders(subset) {
                uris.append("pkcs11:" + order.joined(separator: ";"))
                uris.append("pkcs11:" + order.joined(separator: ";") + "?pin-value=1234")
            }
        }
        return uris
    }()

    @Test("every permutation of slot-id, token and object, with and without a PIN", arguments: permutations)
    func permutation(_ text: String) throws {
        let hasSlot = text.contains("slot-id=1")
        let hasToken = text.contains("token=")
        guard hasSlot || hasToken else {
            do {
                _ = try PKCS11URI(parsing: text)
                Issue.record("expected an error")
            } catch {}  // typed throws: only this type can arrive here
            return
        }
        let uri = try PKCS11URI(parsing: text)
        #expect(uri.slot == (hasSlot ? .id(1) : .tokenLabel("foo bar")))
        #expect(uri.objectLabel == (text.contains("object=") ? "baz quux" : nil))
        #expect(uri.pin == (text.contains("?pin-value=1234") ? "1234" : nil))
    }

    @Test("the slot id wins over the token label")
    func slotWins() throws {
        #expect(try PKCS11URI(parsing: "pkcs11:token=t;slot-id=7").slot == .id(7))
    }

    @Test("wrong scheme, missing slot, bad slot id and bad escapes are errors", arguments: [
        "kcs11:slot-id=1", "pkcs11:object=x", "pkcs11:", "pkcs11:slot-id=one", "pkcs11:slot-id=-1", "pkcs11:token=%zz",
    ])
    func errors(_ text: String) {
        do {
            _ = try PKCS11URI(parsing: text)
            Issue.record("expected an error")
        } catch {}  // typed throws: only this type can arrive here
    }

    @Test("written back with every non-alphanumeric character percent-encoded, attributes in canonical order")
    func canonicalForm() throws {
        #expect(try PKCS11URI(parsing: "pkcs11:object=local-ca;slot-id=0?pin-value=1234").description == "pkcs11:slot-id=0;object=local%2Dca?pin-value=1234")
        #expect(try PKCS11URI(parsing: "pkcs11:token=Key pairs;object=dev.id_1?pin-value=a&b").description
            == "pkcs11:token=Key%20pairs;object=dev%2Eid%5F1?pin-value=a")
        #expect(try PKCS11URI(parsing: "pkcs11:token=%C3%A9t%C3%A9;id=%01;manufacturer=x").description == "pkcs11:token=%C3%A9t%C3%A9")
        #expect(PKCS11URI(slot: .tokenLabel("a b"), objectLabel: "c", pin: "p&q").description == "pkcs11:token=a%20b;object=c?pin-value=p%26q")
    }

    @Test("preloaded key locations: file paths are re-encoded, PKCS#11 URIs canonicalised")
    func keyLocations() throws {
        #expect(try PreloadedKeyLocation(parsing: "file:///var/secrets/a b.key") == .file(path: "/var/secrets/a b.key"))
        #expect(try PreloadedKeyLocation(parsing: "file:///var/secrets/a%20b.key").description == "file:///var/secrets/a%20b.key")
        #expect(try PreloadedKeyLocation(parsing: "file://localhost/k%25.pem").description == "file:///k%25.pem")
        #expect(try PreloadedKeyLocation(parsing: "pkcs11:slot-id=0;object=device-id").description == "pkcs11:slot-id=0;object=device%2Did")
        do {
            _ = try PreloadedKeyLocation(parsing: "file://server/share/k.pem")
            Issue.record("expected an error")
        } catch {}  // typed throws: only this type can arrive here
    }
}
