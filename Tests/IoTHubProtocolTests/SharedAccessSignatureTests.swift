import Foundation
import IoTHubProtocol
import Testing

/// One vector of `Fixtures/sas-vectors.json` (computed independently with Python's hmac/hashlib/base64/urllib).
struct SASVector: Decodable, Sendable, CustomTestStringConvertible {
    let name: String
    let key: String
    let rawResource: String
    let encodedResource: String
    let expiry: UInt64
    let keyName: String?
    let stringToSign: String
    let signature: String
    let token: String
    let hostName: String?
    let deviceId: String?
    let moduleId: String?

    var testDescription: String { name }

    static func load() throws -> [SASVector] {
        struct File: Decodable { let vectors: [SASVector] }
        return try JSONDecoder().decode(File.self, from: Fixtures.data("sas-vectors.json")).vectors
    }

    static let all: [SASVector] = (try? load()) ?? []
}

@Suite("SharedAccessSignature")
struct SharedAccessSignatureTests {
    static let key = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
    static let otherKey = "b3RoZXIga2V5IG90aGVyIGtleSBvdGhlciBrZXkgISE="
    static let now = Date(timeIntervalSince1970: 1_700_000_000)

    @Test("the fixture file has vectors")
    func fixtureLoaded() throws {
        #expect(try SASVector.load().count >= 10)
    }

    @Test("generation matches the Python vectors", arguments: SASVector.all)
    func generates(vector: SASVector) throws {
        let token = try SharedAccessSignature.make(
            resource: vector.rawResource, key: vector.key, expiry: vector.expiry, keyName: vector.keyName)
        #expect(token.resource == vector.encodedResource)
        #expect(token.stringToSign == vector.stringToSign)
        #expect(token.signature == vector.signature)
        #expect(token.description == vector.token)
    }

    @Test("parsing the Python tokens gives back their fields and they verify", arguments: SASVector.all)
    func parsesAndVerifies(vector: SASVector) throws {
        let token = try SharedAccessSignature(parsing: vector.token)
        #expect(token.resource == vector.encodedResource)
        #expect(token.signature == vector.signature)
        #expect(token.expiry == vector.expiry)
        #expect(token.expiryString == String(vector.expiry))
        #expect(token.keyName == vector.keyName)
        #expect(token.description == vector.token)
        try token.verifySignature(keys: [vector.key])
        try token.verifySignature(keys: [Self.otherKey, vector.key])
        #expect(token.isSignatureValid(keyBytes: Array(Data(base64Encoded: vector.key)!)))
        let error = #expect(throws: SharedAccessSignatureError.self) { try token.verifySignature(keys: [Self.otherKey]) }
        #expect(error?.code == .signatureMismatch)
    }

    @Test("the audience builder reproduces the Python identity resources", arguments: SASVector.all.filter { $0.deviceId != nil })
    func audienceBuilder(vector: SASVector) throws {
        let audience: SASAudience =
            if let moduleId = vector.moduleId {
                .module(hostName: vector.hostName!, deviceId: vector.deviceId!, moduleId: moduleId)
            } else {
                .device(hostName: vector.hostName!, deviceId: vector.deviceId!)
            }
        #expect(audience.resource == vector.rawResource)
        #expect(audience.encodedResource == vector.encodedResource)
        #expect(try SASAudience(parsing: vector.encodedResource) == audience)
        #expect(try SharedAccessSignature(parsing: vector.token).audience() == audience)
    }

    @Test("the observed module string-to-sign from external-clients §1.4")
    func observedStringToSign() throws {
        let audience = SASAudience.module(hostName: "myhub.azure-devices.net", deviceId: "edgedev1", moduleId: "modA")
        let token = try SharedAccessSignature.make(resource: audience.resource, key: Self.key, expiry: 1_795_292_912)
        #expect(token.stringToSign == "myhub.azure-devices.net%2Fdevices%2Fedgedev1%2Fmodules%2FmodA\n1795292912")
    }

    @Test("field names are case-insensitive, order free, unknown fields ignored")
    func fieldNames() throws {
        let token = try SharedAccessSignature(parsing: "SharedAccessSignature SE=10&Sig=abc%3D&foo=bar&SR=h%2Fdevices%2Fd&SKN=")
        #expect(token.resource == "h%2Fdevices%2Fd")
        #expect(token.signature == "abc=")
        #expect(token.expiry == 10)
        #expect(token.keyName == nil)
    }

    @Test("sr is kept exactly as sent, including escape case; it is what gets signed")
    func resourceAsSent() throws {
        let lower = SharedAccessSignature(
            resource: "localhost%2fdevices%2fdev1",
            signature: SharedAccessSignature.computeSignature(
                encodedResource: "localhost%2fdevices%2fdev1", expiry: "1700003600",
                keyBytes: Array("0123456789abcdef0123456789abcdef".utf8)),
            expiry: 1_700_003_600)
        let parsed = try SharedAccessSignature(parsing: lower.description)
        #expect(parsed.resource == "localhost%2fdevices%2fdev1")
        try parsed.verifySignature(keys: [Self.key])
        #expect(try parsed.audience() == .device(hostName: "localhost", deviceId: "dev1"))
        // The same token with the escape case changed no longer verifies.
        let altered = SharedAccessSignature(resource: "localhost%2Fdevices%2Fdev1", signature: parsed.signature, expiry: parsed.expiry)
        #expect(throws: SharedAccessSignatureError.self) { try altered.verifySignature(keys: [Self.key]) }
    }

    @Test("se is signed as sent (leading zeros preserved)")
    func expiryAsSent() throws {
        let keyBytes = Array("0123456789abcdef0123456789abcdef".utf8)
        let signature = SharedAccessSignature.computeSignature(encodedResource: "h", expiry: "0042", keyBytes: keyBytes)
        let token = try SharedAccessSignature(
            parsing: "SharedAccessSignature sr=h&sig=\(PercentEncoding.encode(signature))&se=0042")
        #expect(token.expiry == 42)
        #expect(token.expiryString == "0042")
        #expect(token.stringToSign == "h\n0042")
        #expect(token.isSignatureValid(keyBytes: keyBytes))
        #expect(token.description.hasSuffix("&se=0042"))
    }

    @Test("an unencoded base64 signature (raw '+', '/', '=') is accepted: '+' is not turned into a space")
    func unencodedSignature() throws {
        let vector = try #require(SASVector.all.first { $0.signature.contains("+") })
        let raw = "SharedAccessSignature sr=\(vector.encodedResource)&sig=\(vector.signature)&se=\(vector.expiry)"
        let token = try SharedAccessSignature(parsing: raw)
        #expect(token.signature == vector.signature)
        try token.verifySignature(keys: [vector.key])
    }

    @Test("surrounding whitespace is tolerated")
    func surroundingWhitespace() throws {
        let token = try SharedAccessSignature(parsing: "  SharedAccessSignature sr=h&sig=s&se=1\n")
        #expect(token.resource == "h")
    }

    @Test(
        "parse errors say what is wrong",
        arguments: [
            ("sr=h&sig=s&se=1", SharedAccessSignatureError.Code.malformed, "found 1 whitespace-separated parts"),
            ("SharedAccessSignature  sr=h&sig=s&se=1", .malformed, "found 3 whitespace-separated parts"),
            ("SharedAccessSignature sr=h&sig=s se=1", .malformed, "found 3"),
            ("sharedaccesssignature sr=h&sig=s&se=1", .malformed, "must start with \"SharedAccessSignature\""),
            ("SharedAccessSignature sr=h&sig=s&se", .malformed, "token field \"se\" has no '='"),
            ("SharedAccessSignature sig=s&se=1", .missingField, "missing the sr field"),
            ("SharedAccessSignature sr=h&se=1", .missingField, "missing the sig field"),
            ("SharedAccessSignature sr=h&sig=s", .missingField, "missing the se field"),
            ("SharedAccessSignature sr=&sig=s&se=1", .missingField, "token field sr is empty"),
            ("SharedAccessSignature sr=h&sig=s&se=1&SR=x", .duplicateField, "duplicate token field sr"),
            ("SharedAccessSignature sr=h&sig=%zz&se=1", .invalidEncoding, "token field sig"),
            ("SharedAccessSignature sr=h&sig=s&se=abc", .invalidExpiry, "se=\"abc\""),
            ("SharedAccessSignature sr=h&sig=s&se=-1", .invalidExpiry, "se=\"-1\""),
            ("SharedAccessSignature sr=h&sig=s&se=1.5", .invalidExpiry, "se=\"1.5\""),
            ("SharedAccessSignature sr=h&sig=s&se=+1", .invalidExpiry, "se=\"+1\""),
            ("SharedAccessSignature sr=h&sig=s&se=18446744073709551616", .invalidExpiry, "not a valid unix time"),
            ("", .malformed, "found 1"),
        ] as [(String, SharedAccessSignatureError.Code, String)])
    func parseErrors(input: String, code: SharedAccessSignatureError.Code, fragment: String) {
        let error = #expect(throws: SharedAccessSignatureError.self) { try SharedAccessSignature(parsing: input) }
        #expect(error?.code == code)
        #expect(error?.message.contains(fragment) == true, "\(error?.message ?? "")")
    }

    @Test("expiry: expired only when se + skew < now")
    func expiry() throws {
        let token = SharedAccessSignature(resource: "h", signature: "s", expiry: 1_700_000_000)
        #expect(!token.isExpired(at: Date(timeIntervalSince1970: 1_700_000_000)))
        #expect(!token.isExpired(at: Date(timeIntervalSince1970: 1_700_000_300)))
        #expect(token.isExpired(at: Date(timeIntervalSince1970: 1_700_000_300.5)))
        #expect(token.isExpired(at: Date(timeIntervalSince1970: 1_700_000_301)))
        #expect(!token.isExpired(at: Date(timeIntervalSince1970: 1_700_000_301), clockSkew: 600))
        #expect(token.isExpired(at: Date(timeIntervalSince1970: 1_700_000_001), clockSkew: 0))
        #expect(token.expiryDate == Date(timeIntervalSince1970: 1_700_000_000))
        let error = #expect(throws: SharedAccessSignatureError.self) {
            try token.checkExpiry(at: Date(timeIntervalSince1970: 1_700_001_000))
        }
        #expect(error?.code == .expired)
        #expect(error?.message == "token expired at 1700000000 (unix seconds); now is 1700001000, clock skew allowance 300 s")
    }

    @Test("verify checks expiry, then the primary and secondary keys")
    func verify() throws {
        let token = try SharedAccessSignature.make(resource: "hub/devices/d", key: Self.key, expiry: 1_700_000_100)
        try token.verify(primaryKey: Self.key, now: Self.now)
        try token.verify(primaryKey: Self.otherKey, secondaryKey: Self.key, now: Self.now)
        try token.verify(primaryKey: Self.key, secondaryKey: Self.otherKey, now: Self.now)
        let mismatch = #expect(throws: SharedAccessSignatureError.self) {
            try token.verify(primaryKey: Self.otherKey, secondaryKey: Self.otherKey, now: Self.now)
        }
        #expect(mismatch?.code == .signatureMismatch)
        #expect(mismatch?.message == "signature mismatch for resource hub%2Fdevices%2Fd")
        let expired = #expect(throws: SharedAccessSignatureError.self) {
            try token.verify(primaryKey: Self.key, now: Date(timeIntervalSince1970: 1_700_000_401))
        }
        #expect(expired?.code == .expired)
        let badKey = #expect(throws: SharedAccessSignatureError.self) {
            try token.verify(primaryKey: "***", now: Self.now)
        }
        #expect(badKey?.code == .invalidKey)
        let noKeys = #expect(throws: SharedAccessSignatureError.self) { try token.verifySignature(keys: []) }
        #expect(noKeys?.code == .invalidKey)
    }

    @Test("a tampered signature, expiry or resource fails")
    func tampering() throws {
        let token = try SharedAccessSignature.make(resource: "hub/devices/d", key: Self.key, expiry: 1_700_000_100)
        let variants = [
            SharedAccessSignature(resource: token.resource, signature: token.signature, expiry: token.expiry + 1),
            SharedAccessSignature(resource: "hub%2Fdevices%2Fe", signature: token.signature, expiry: token.expiry),
            SharedAccessSignature(
                resource: token.resource,
                signature: (token.signature.first == "A" ? "B" : "A") + token.signature.dropFirst(), expiry: token.expiry),
            SharedAccessSignature(resource: token.resource, signature: "", expiry: token.expiry),
        ]
        for variant in variants {
            #expect(throws: SharedAccessSignatureError.self) { try variant.verifySignature(keys: [Self.key]) }
        }
    }

    @Test("make rejects a key that is not base64")
    func makeBadKey() {
        for key in ["", "not base64", "YQ="] {
            let error = #expect(throws: SharedAccessSignatureError.self) {
                try SharedAccessSignature.make(resource: "h", key: key, expiry: 1)
            }
            #expect(error?.code == .invalidKey)
            #expect(error?.message == "signing key is not valid base64")
        }
    }

    @Test("skn is encoded when rendered and decoded when parsed")
    func keyNameEncoding() throws {
        let token = try SharedAccessSignature.make(resource: "h", key: Self.key, expiry: 5, keyName: "my policy/1")
        #expect(token.description.hasSuffix("&skn=my%20policy%2F1"))
        #expect(try SharedAccessSignature(parsing: token.description) == token)
    }
}

@Suite("SASAudience")
struct SASAudienceTests {
    @Test("parses device and module audiences")
    func parses() throws {
        #expect(try SASAudience(parsing: "myhub.azure-devices.net%2Fdevices%2Fdev1") == .device(hostName: "myhub.azure-devices.net", deviceId: "dev1"))
        #expect(try SASAudience(parsing: "h%2Fdevices%2Fd%2Fmodules%2F%2524edgeHub") == .module(hostName: "h", deviceId: "d", moduleId: "$edgeHub"))
        // Unencoded sr (some clients) works too.
        #expect(try SASAudience(parsing: "h/devices/d") == .device(hostName: "h", deviceId: "d"))
        // Literal segments are matched case-insensitively.
        #expect(try SASAudience(parsing: "h%2FDevices%2Fd%2FModules%2Fm").moduleId == "m")
    }

    @Test("ids encoded only once (Python SDK) still parse; a bare % is kept")
    func singleEncoding() throws {
        // Python: quote("h/devices/a%b", safe="") -> the id decodes once to "a%b", which is not valid encoding.
        #expect(try SASAudience(parsing: "h%2Fdevices%2Fa%25b") == .device(hostName: "h", deviceId: "a%b"))
        #expect(try SASAudience(parsing: "h%2Fdevices%2Fdev%3A1") == .device(hostName: "h", deviceId: "dev:1"))
    }

    @Test(
        "malformed audiences",
        arguments: [
            ("h", "expected {host}/devices/{deviceId}[/modules/{moduleId}]"),
            ("h%2Fdevices", "expected"),
            ("h%2Fdevices%2Fd%2Fmodules", "expected"),
            ("h%2Fdevices%2Fd%2Fmodules%2Fm%2Fx", "expected"),
            ("h%2Fthings%2Fd", "second segment must be \"devices\""),
            ("h%2Fdevices%2Fd%2Fmods%2Fm", "fourth segment must be \"modules\""),
            ("%2Fdevices%2Fd", "empty host name"),
            ("h%2Fdevices%2F", "empty device id"),
            ("h%2Fdevices%2Fd%2Fmodules%2F", "empty module id"),
            ("h%2Fdevices%2Fd%zz", "invalid percent-escape"),
        ])
    func malformed(input: String, fragment: String) {
        let error = #expect(throws: SharedAccessSignatureError.self) { try SASAudience(parsing: input) }
        #expect(error?.code == .malformedAudience)
        #expect(error?.message.contains(fragment) == true, "\(error?.message ?? "")")
    }

    @Test("resource builder double-encodes ids", arguments: ["dev1", "a b", "dev:1", "x%y", "$edgeHub", "日本", "a/b"])
    func resourceBuilder(id: String) throws {
        let audience = SASAudience.module(hostName: "h", deviceId: id, moduleId: id)
        #expect(audience.resource == "h/devices/\(PercentEncoding.encode(id))/modules/\(PercentEncoding.encode(id))")
        #expect(audience.encodedResource == PercentEncoding.encode(audience.resource))
        #expect(try SASAudience(parsing: audience.encodedResource) == audience)
        #expect(audience.description == audience.resource)
    }

    @Test("host matching is case-insensitive")
    func hostMatching() {
        let audience = SASAudience.device(hostName: "MyHub.Azure-Devices.net", deviceId: "d")
        #expect(audience.hostMatches(anyOf: ["edge.local", "myhub.azure-devices.net"]))
        #expect(!audience.hostMatches(anyOf: ["edge.local"]))
        #expect(!audience.hostMatches(anyOf: []))
    }

    @Test("authorization rules of §6.1")
    func authorizes() {
        let device = SASAudience.device(hostName: "h", deviceId: "Dev1")
        let module = SASAudience.module(hostName: "h", deviceId: "dev1", moduleId: "ModA")
        #expect(device.authorizes(deviceId: "dev1", moduleId: nil))
        #expect(device.authorizes(deviceId: "DEV1", moduleId: "modA"))  // parent device token for a module
        #expect(!device.authorizes(deviceId: "dev2", moduleId: nil))
        #expect(module.authorizes(deviceId: "dev1", moduleId: "moda"))
        #expect(!module.authorizes(deviceId: "dev1", moduleId: nil))  // module token cannot auth the device
        #expect(!module.authorizes(deviceId: "dev1", moduleId: "modB"))
        #expect(!module.authorizes(deviceId: "dev2", moduleId: "ModA"))
        #expect(device.moduleId == nil)
        #expect(module.hostName == "h")
    }
}
