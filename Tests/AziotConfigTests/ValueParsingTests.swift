import AziotConfig
import Testing

@Suite("base64 keys and URLs in the super-config")
struct ValueParsingTests {
    @Test("base64: padded and unpadded decode alike")
    func base64() {
        #expect(Base64.decode("YWJj") == Array("abc".utf8))
        #expect(Base64.decode("YWI=") == Array("ab".utf8))
        #expect(Base64.decode("YWI") == Array("ab".utf8))
        #expect(Base64.decode("YQ==") == Array("a".utf8))
        #expect(Base64.decode("YQ") == Array("a".utf8))
        #expect(Base64.decode("") == [])
        #expect(Base64.encode(Array("ab".utf8)) == "YWI=")
        #expect(Base64.encode((0...255).map { UInt8($0) }).count == 344)
        let bytes = (0...255).map { UInt8($0) }
        #expect(Base64.decode(Base64.encode(bytes)) == bytes)
    }

    @Test("base64: malformed input is refused", arguments: ["Y", "YQ=", "Y===", "YW=I", "YW I", "YR==", "YWJ=", "ab$c", "YWJj\n"])
    func base64Errors(_ text: String) {
        #expect(Base64.decode(text) == nil)
    }

    @Test("URLs are normalised as a WHATWG parser writes them", arguments: [
        ("https://global.azure-devices-provisioning.net", "https://global.azure-devices-provisioning.net/"),
        ("HTTPS://Example.ORG:443/a/./b/../c", "https://example.org/a/c"),
        ("http://example.org:80", "http://example.org/"),
        ("http://example.org:8080/x y?q=a b#frag ment", "http://example.org:8080/x%20y?q=a%20b#frag%20ment"),
        ("https://user:p@ss@example.org/", "https://user:p%40ss@example.org/"),
        ("file:///var/secrets/device-id.pem", "file:///var/secrets/device-id.pem"),
        ("file://localhost/etc/a b.pem", "file:///etc/a%20b.pem"),
        ("file:/etc/x.pem", "file:///etc/x.pem"),
        ("file:x.pem", "file:///x.pem"),
        ("https://example.org/a/..", "https://example.org/"),
        ("https://example.org/a/.", "https://example.org/a/"),
        ("  https://example.org/est  ", "https://example.org/est"),
    ])
    func normalises(_ input: String, _ expected: String) throws {
        #expect(try ConfigURL(parsing: input).text == expected)
    }

    @Test("strings that are not absolute URLs are refused", arguments: ["/var/secrets/x.pem", "example.org/est", "https://", "http://exa mple.org/", "https://example.org:99999/", "1http://x/"])
    func urlErrors(_ input: String) {
        do {
            _ = try ConfigURL(parsing: input)
            Issue.record("expected an error")
        } catch {}  // typed throws: only this type can arrive here
    }

    @Test("file URLs give back their local path")
    func filePaths() throws {
        #expect(try ConfigURL(parsing: "file:///a%20b/c.pem").filePath == "/a b/c.pem")
        #expect(try ConfigURL(parsing: "https://example.org/x").filePath == nil)
        #expect(ConfigURL.fileURL(path: "/var/secrets/aziot/keyd/device-id") == "file:///var/secrets/aziot/keyd/device-id")
        #expect(ConfigURL.fileURL(path: "/a b/c%d#e?.pem") == "file:///a%20b/c%25d%23e%3F.pem")
    }

    @Test("manual connection strings: extra parts ignored, unpadded keys accepted")
    func connectionStrings() throws {
        let parsed = try ManualConnectionString(parsing: "HostName=hub.example;DeviceId=d1;SharedAccessKey=YWI;ModuleId=ignored")
        #expect(parsed.hostName == "hub.example")
        #expect(parsed.deviceID == "d1")
        #expect(parsed.key == Array("ab".utf8))
    }
}
