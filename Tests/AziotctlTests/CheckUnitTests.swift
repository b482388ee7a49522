import CheckReport
import Foundation
import IoTHubProtocol
import TOMLConfig
import Testing
@testable import aziotctl

@Suite("aziotctl check: parts")
struct CheckUnitTests {
    // MARK: SNTP

    @Test("an SNTP request is 48 bytes: LI 0, version 4, client mode, the transmit time at offset 40")
    func sntpRequest() throws {
        let request = SNTPPacket.request(transmitTime: 0)
        let bytes = request.bytes
        #expect(bytes.count == 48)
        #expect(bytes[0] == 0x23)
        #expect(Array(bytes[40..<48]) == [0x83, 0xAA, 0x7E, 0x80, 0, 0, 0, 0])  // 2 208 988 800 s after 1900
        #expect(bytes[1..<40].allSatisfy { $0 == 0 })
        let parsed = try #require(SNTPPacket(bytes: bytes))
        #expect(parsed == request)
        #expect(SNTPPacket(bytes: bytes.prefix(47)) == nil)
    }

    @Test("NTP timestamps: fractions, and era 1 from 2036-02-07 on (RFC 4330 §3)")
    func ntpTimestamps() {
        #expect(SNTPPacket.unixTime(timestamp: SNTPPacket.timestamp(unixTime: 1_700_000_000.5)) == 1_700_000_000.5)
        #expect(SNTPPacket.timestamp(unixTime: 1.25) & 0xFFFF_FFFF == 0x4000_0000)
        // The first second of era 1 is NTP second 0.
        #expect(SNTPPacket.timestamp(unixTime: 2_085_978_496) == 0)
        #expect(SNTPPacket.unixTime(timestamp: 0) == 2_085_978_496)
        #expect(SNTPPacket.unixTime(timestamp: 5 << 32) == 2_085_978_501)
    }

    @Test("the clock offset is the mean of the two one-way differences")
    func clockOffset() {
        // The server is an hour ahead; 1 s round trip, half each way.
        #expect(SNTPPacket.clockOffset(t1: 100, t2: 3700.5, t3: 3700.5, t4: 101) == 3600)
        #expect(SNTPPacket.clockOffset(t1: 100, t2: 90.25, t3: 90.25, t4: 100.5) == -10)
    }

    @Test("a kiss-o'-death code reads as text")
    func kissCode() throws {
        var bytes = [UInt8](repeating: 0, count: 48)
        bytes[0] = 0x24
        bytes.replaceSubrange(12..<16, with: Array("RATE".utf8))
        #expect(try #require(SNTPPacket(bytes: bytes)).kissCode == "RATE")
    }

    @Test("NTP server names: host:port, [v6]:port, a bare host or IPv6 address (port 123); bad ports refused")
    func ntpServerNames() throws {
        #expect(try SNTPClient.parse(server: "pool.ntp.org:123") == ("pool.ntp.org", 123))
        #expect(try SNTPClient.parse(server: "[::1]:1123") == ("::1", 1123))
        #expect(try SNTPClient.parse(server: "[::1]") == ("::1", 123))
        #expect(try SNTPClient.parse(server: "fe80::1") == ("fe80::1", 123))
        #expect(try SNTPClient.parse(server: "time.example") == ("time.example", 123))
        for bad in ["time.example:0", "time.example:x", "time.example:70000", ":123", "", "[::1"] {
            #expect(throws: SNTPClient.Failure.self) { _ = try SNTPClient.parse(server: bad) }
        }
    }

    // MARK: hostname

    @Test("RFC 1035 host names (the reference's cases)")
    func rfc1035() {
        let label = String(repeating: "a", count: 63)
        let longest = "\(label).\(label).\(label).\(String(repeating: "a", count: 255 - 63 * 3 - 3))"
        #expect(longest.count == 255)
        for valid in ["foobar", "foobar.baz", label, "\(label).\(label).\(label)", longest, "xn--v9ju72g90p.com", "FoObAr01.bAz"] {
            #expect(HostChecks.isRFC1035Valid(valid), "\(valid)")
        }
        for invalid in [label + "a", longest + "a", "01.org", "\u{4eca}\u{65e5}\u{306f}", "a\u{4eca}.b", "FoObAr01.bAz-", "", "a..b", "a_b", "a."] {
            #expect(!HostChecks.isRFC1035Valid(invalid), "\(invalid)")
        }
    }

    // MARK: configuration

    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("AziotConfigTests/Fixtures/apply").path

    static var scenarios: [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: fixtures).sorted()) ?? []
    }

    @Test("identityd's and tpmd's configs written by config apply (every golden scenario) are well-formed")
    func goldenConfigs() throws {
        #expect(Self.scenarios.count >= 20)
        for scenario in Self.scenarios {
            let identityd = try ConfigTable(toml: String(contentsOfFile: "\(Self.fixtures)/\(scenario)/identityd.toml", encoding: .utf8))
            #expect(throws: Never.self, "\(scenario)") { _ = try IdentitydSettings(identityd) }
            let tpmd = try ConfigTable(toml: String(contentsOfFile: "\(Self.fixtures)/\(scenario)/tpmd.toml", encoding: .utf8))
            #expect(throws: Never.self, "\(scenario)") { _ = try TpmdSettings(tpmd) }
        }
    }

    static func identityd(_ text: String) throws -> IdentitydSettings {
        try IdentitydSettings(ConfigTable(toml: "hostname = \"edge\"\nhomedir = \"/var/lib/aziot/identityd\"\n" + text))
    }

    static func identitydError(_ text: String) -> ConfigError? {
        do {
            _ = try identityd(text)
            return nil
        } catch {
            return error as? ConfigError
        }
    }

    @Test("identityd's schema: provisioning modes, what the checks read, and the errors")
    func identitydSchema() throws {
        let manual = try Self.identityd("""
            [provisioning]
            source = "manual"
            iothub_hostname = "hub.example"
            device_id = "d1"
            local_gateway_hostname = "parent"
            authentication = { method = "x509", identity_cert = "device-id", identity_pk = "device-id", csr_subject = { CN = "d1", O = "X" } }
            """)
        #expect(manual.provisioning == .manual(iothubHostname: "hub.example", deviceID: "d1", authentication: .x509(certID: "device-id", keyID: "device-id")))
        #expect(manual.localGatewayHostname == "parent")
        #expect(manual.identityCertificate?.certID == "device-id")
        #expect(manual.provisioning.mode == "manual-x509")
        #expect(manual.cloudTimeoutSec == 70)

        let unknown = Self.identitydError("[provisioning]\nsource = \"none\"\niothub_hostname = \"h\"\n")
        #expect(unknown?.code == .unknownKeys)
        #expect(unknown?.message.contains("provisioning.iothub_hostname") == true)
        #expect(Self.identitydError("[provisioning]\nsource = \"dps\"\nlocal_gateway_hostname = \"p\"\n")?.message == "provisioning.global_endpoint: missing required key")
        #expect(Self.identitydError("[provisioning]\nsource = \"carrier-pigeon\"\n")?.message.contains("provisioning.source") == true)
        #expect(Self.identitydError("[provisioning]\nsource = \"none\"\n[[principal]]\nuid = 1\nname = \"m\"\n[[principal]]\nuid = 2\nname = \"m\"\n")?
            .message == "principal: duplicate module name: m")
        #expect(Self.identitydError("[provisioning]\nsource = \"none\"\n[[principal]]\nuid = 1\nname = \"m\"\nidtype = [\"local\"]\n")?
            .message == "invalid config for m: local id type requires localid config")
        #expect(Self.identitydError("[provisioning]\nsource = \"none\"\n[[principal]]\nuid = 1\nname = \"m\"\nidtype = [\"module\"]\n")?
            .message == "invalid config for m: module or device identity requires provisioning with IoT Hub")
        #expect(Self.identitydError("")?.message == "provisioning: missing required table")
    }

    @Test("unknown keys are found in the file that has them, array indices matching any element")
    func locatingKeys() throws {
        #expect(ConfigurationChecks.unknownKeys(in: "unknown configuration keys: max_request, principal[1].kyes") == ["max_request", "principal[1].kyes"])
        #expect(ConfigurationChecks.unknownKeys(in: "unknown configuration key: a.b") == ["a.b"])
        let table = try ConfigTable(toml: "max_request = 1\n[[principal]]\nuid = 1\nkyes = []\n[a.b]\nc = 1\n")
        #expect(ConfigurationChecks.contains(table, keyPath: "max_request"))
        #expect(ConfigurationChecks.contains(table, keyPath: "principal[1].kyes"))
        #expect(ConfigurationChecks.contains(table, keyPath: "a.b.c"))
        #expect(!ConfigurationChecks.contains(table, keyPath: "a.b.d"))
        #expect(!ConfigurationChecks.contains(table, keyPath: "principal[0].keys"))
        #expect(!ConfigurationChecks.contains(table, keyPath: "max_request.x"))
    }

    // MARK: results

    @Test("certificate validity: not yet valid and expired are errors, under seven days a warning")
    func validity() {
        let now = Date()
        func result(_ notBefore: TimeInterval, _ notAfter: TimeInterval) -> CheckResult {
            CertificateValidity(certName: "Local CA", certID: "local-ca", notBefore: now.addingTimeInterval(notBefore), notAfter: now.addingTimeInterval(notAfter))
                .result(now: now, fix: "FIX")
        }
        #expect(result(-86_400, 30 * 86_400) == .ok)
        guard case .warning(let soon) = result(-86_400, 3 * 86_400 + 60) else {
            Issue.record("expected a warning")
            return
        }
        #expect(soon.message.hasPrefix("Local CA 'local-ca' will expire soon ("))
        #expect(soon.message.contains("in 3 days"))
        #expect(soon.message.hasSuffix("\nFIX"))
        guard case .error(let expired) = result(-86_400, -60) else {
            Issue.record("expected an error")
            return
        }
        #expect(expired.message.hasPrefix("Local CA 'local-ca' expired at "))
        guard case .error(let early) = result(86_400, 30 * 86_400) else {
            Issue.record("expected an error")
            return
        }
        #expect(early.message.contains("which is in the future"))
    }

    @Test("results serialize as the reference's tagged objects")
    func resultJSON() {
        #expect(CheckResult.ok.json.jsonString == #"{"result":"ok"}"#)
        #expect(CheckResult.ignored(note: "n").json.jsonString == #"{"result":"ignored"}"#)
        #expect(CheckResult.skipped.json.jsonString == #"{"result":"skipped"}"#)
        #expect(CheckResult.warning(CheckMessage("w", causes: ["c"])).json.jsonString == #"{"result":"warning","details":["w","c"]}"#)
        #expect(CheckResult.error(CheckMessage("e")).json.jsonString == #"{"result":"error","details":["e"]}"#)
        #expect(CheckResult.fatal(CheckMessage("f")).json.jsonString == #"{"result":"fatal","details":["f"]}"#)
    }

    @Test("RSA modulus length in bits")
    func bitLength() {
        #expect(DaemonChecks.bitLength([0x80] + [UInt8](repeating: 0, count: 255)) == 2048)
        #expect(DaemonChecks.bitLength([0x00, 0x7F] + [UInt8](repeating: 0xFF, count: 127)) == 1023)
        #expect(DaemonChecks.bitLength([]) == 0)
    }
}
