import EdgeDaemon
import Foundation
import IoTHubProtocol
import NIOCore
import TOMLConfig
import Testing

@testable import iotedge

@Suite("iotedge's pure parts: list's descriptions and table, logs' arguments and demultiplexing, config redaction")
struct IotedgeUnitTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    static func module(_ name: String, status: String, image: String = "img:1", start: Double? = nil, exit: Double? = nil, code: String? = nil) throws -> ManagementClient.Module {
        var statusJSON: [String: JSONValue] = ["runtimeStatus": ["status": .string(status)]]
        if let start { statusJSON["startTime"] = .string(RFC3339.format(now.addingTimeInterval(-start))) }
        if let exit { statusJSON["exitStatus"] = ["exitTime": .string(RFC3339.format(now.addingTimeInterval(-exit))), "statusCode": .string(code ?? "0")] }
        return ManagementClient.Module(json: [
            "id": "id", "name": .string(name), "type": "docker",
            "config": ["settings": ["image": .string(image)], "env": []],
            "status": .object(JSONObject(statusJSON.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })),
        ])
    }

    @Test("durations: precise under 20 s, chrono-humanize's rough wording above, \"ago\" in the past")
    func humanize() {
        let cases: [(Double, Bool, String)] = [
            (0, false, "0 seconds"), (0.7, true, "0 seconds ago"), (1, false, "1 second"), (5, true, "5 seconds ago"), (19, false, "19 seconds"),
            (20, false, "20 seconds"), (45, false, "45 seconds"), (46, true, "a minute ago"), (90, false, "a minute"), (91, false, "2 minutes"),
            (44 * 60, false, "44 minutes"), (46 * 60, false, "an hour"), (3 * 3600 + 100, false, "3 hours"), (23 * 3600, true, "a day ago"),
            (3 * 86_400, false, "3 days"), (7 * 86_400, false, "a week"), (20 * 86_400, false, "2 weeks"), (30 * 86_400, false, "a month"),
            (100 * 86_400, false, "3 months"), (400 * 86_400, false, "a year"), (800 * 86_400, true, "2 years ago"),
        ]
        #expect(StatusDescription.rough(10) == "now" && StatusDescription.rough(11) == "11 seconds")
        for (interval, past, expected) in cases {
            #expect(StatusDescription.humanize(interval, past: past) == expected, "\(interval) s")
        }
    }

    @Test("DESCRIPTION: Up / Stopped / Failed (code) / Unknown")
    func descriptions() throws {
        #expect(StatusDescription.text(for: try Self.module("a", status: "running", start: 3 * 3600 + 5), now: Self.now) == "Up 3 hours")
        #expect(StatusDescription.text(for: try Self.module("a", status: "running", start: 7), now: Self.now) == "Up 7 seconds")
        #expect(StatusDescription.text(for: try Self.module("a", status: "stopped", exit: 125), now: Self.now) == "Stopped 2 minutes ago")
        #expect(StatusDescription.text(for: try Self.module("a", status: "dead", exit: 2), now: Self.now) == "Stopped 2 seconds ago")
        #expect(StatusDescription.text(for: try Self.module("a", status: "failed", exit: 86_400 * 2, code: "3"), now: Self.now) == "Failed (3) 2 days ago")
        #expect(StatusDescription.text(for: try Self.module("a", status: "unknown"), now: Self.now) == "Unknown")
    }

    @Test("the table: header NAME STATUS DESCRIPTION Config, sorted by name, columns min 15 wide and 2 past the longest cell")
    func table() throws {
        let modules = [
            try Self.module("zeta", status: "running", image: "z:1", start: 60 * 60),
            try Self.module("a-module-with-a-long-name", status: "failed", image: "a:2", exit: 30, code: "1"),
        ]
        let text = ModuleTable.render(modules, now: Self.now)
        let name = 27, status = 15, description = 27
        func row(_ cells: [String]) -> String {
            cells[0].padding(toLength: name, withPad: " ", startingAt: 0) + cells[1].padding(toLength: status, withPad: " ", startingAt: 0)
                + cells[2].padding(toLength: description, withPad: " ", startingAt: 0) + cells[3]
        }
        #expect(text == [
            row(["NAME", "STATUS", "DESCRIPTION", "Config"]),
            row(["a-module-with-a-long-name", "failed", "Failed (1) 30 seconds ago", "a:2"]),
            row(["zeta", "running", "Up an hour", "z:1"]),
        ].joined(separator: "\n") + "\n")
    }

    @Test("--since/--until: durations, RFC 3339, UNIX seconds; bad values and tails are refused with a hint")
    func logsArguments() throws {
        let now = Self.now
        let epoch = Int32(now.timeIntervalSince1970)
        #expect(try LogsArguments(tail: "all", since: "1 day", until: nil, now: now) == LogsArguments(tail: "all", since: epoch - 86_400, until: nil))
        let parsed = try LogsArguments(tail: "10", since: "10m", until: "2027-01-15T07:00:00Z", now: now)
        #expect(parsed.since == epoch - 600 && parsed.until == 1_799_996_400)
        #expect(parsed.queryString(follow: false) == "follow=false&tail=10&timestamps=false&since=\(epoch - 600)&until=1799996400")
        #expect(try LogsArguments(tail: "all", since: "1500000000", until: "-5", now: now).until == -5)
        for (tail, since) in [("ten", "1 day"), ("-1", "1 day"), ("all", "yesterday"), ("all", "1 fortnight"), ("all", "99999999999")] {
            do {
                _ = try LogsArguments(tail: tail, since: since, until: nil, now: now)
                Issue.record("\(tail) \(since) was accepted")
            } catch {
                #expect(error.message.hasPrefix("Invalid value for --"), "\(error.chain)")
                #expect(!error.causes.isEmpty)
            }
        }
    }

    @Test("logs: Docker's frames are joined whatever their size (a 20 kB line), a TTY's raw bytes pass through")
    func demultiplexing() {
        func frame(_ stream: UInt8, _ text: String) -> [UInt8] {
            let payload = Array(text.utf8)
            let length = UInt32(payload.count)
            return [stream, 0, 0, 0, UInt8(length >> 24), UInt8((length >> 16) & 0xff), UInt8((length >> 8) & 0xff), UInt8(length & 0xff)] + payload
        }
        let long = String(repeating: "x", count: 20_000)
        let body = frame(1, "one\n") + frame(2, "err\n") + frame(1, String(long.prefix(16_384))) + frame(1, String(long.dropFirst(16_384)) + "\n")
        #expect(LogOutput.payload(ByteBuffer(bytes: body)) == Array("one\nerr\n\(long)\n".utf8))
        #expect(LogOutput.payload(ByteBuffer(string: "plain tty output\n")) == Array("plain tty output\n".utf8))
        #expect(LogOutput.payload(ByteBuffer()) == [])
    }

    @Test("the default bundle name is support_bundle_YYYY_MM_DD_HH_MM_SS_UTC.zip")
    func bundleName() {
        #expect(SupportBundleCommand.defaultFileName(Date(timeIntervalSince1970: 1_800_000_007)) == "support_bundle_2027_01_15_08_00_07_UTC.zip")
    }

    @Test("config redaction: SAS keys, connection strings, passwords, inline pk, PEM keys, PINs and tokens become <redacted>")
    func redaction() throws {
        let text = """
            hostname = "edge-1"

            [provisioning]
            source = "manual"
            connection_string = "HostName=hub.azure-devices.net;DeviceId=d1;SharedAccessKey=S3cretKeyOne="

            [provisioning.authentication]
            method = "sas"
            device_id_pk = { value = "S3cretKeyTwo==" }

            [edge_ca]
            cert = "file:///var/secrets/ca.pem"
            pk = "file:///var/secrets/ca.key.pem"

            [aziot_keys]
            pkcs11_base_slot = "pkcs11:slot-id=0?pin-value=4242&x=1"

            [agent.config.auth]
            username = "registry-user"
            password = "S3cretPassword"

            [agent.env]
            RegistryToken = "S3cretToken"
            Mode = "normal"

            [[principal]]
            uid = 1001
            symmetric_key = "S3cretSym"
            inline_pk = "-----BEGIN PRIVATE KEY-----\\nMIIB\\n-----END PRIVATE KEY-----"
            """
        let redacted = ConfigRedaction.redact(toml: text, source: "config.toml")
        for secret in ["S3cretKeyOne", "S3cretKeyTwo", "4242", "S3cretPassword", "S3cretToken", "S3cretSym", "MIIB"] {
            #expect(!redacted.contains(secret), "\(secret) in:\n\(redacted)")
        }
        let table = try ConfigTable(toml: redacted)
        func string(_ path: [String]) -> String? {
            var value: ConfigValue? = .table(table)
            for key in path {
                guard case .table(let inner)? = value else { return nil }
                value = inner[key]
            }
            if case .string(let text)? = value { return text }
            if case .array(let items)? = value, case .table(let first)? = items.first, case .string(let text)? = first[path.last!] { return text }
            return nil
        }
        #expect(string(["hostname"]) == "edge-1")
        #expect(string(["provisioning", "connection_string"]) == "HostName=hub.azure-devices.net;DeviceId=d1;SharedAccessKey=<redacted>")
        #expect(string(["provisioning", "authentication", "device_id_pk", "value"]) == "<redacted>")
        #expect(string(["edge_ca", "pk"]) == "file:///var/secrets/ca.key.pem")
        #expect(string(["aziot_keys", "pkcs11_base_slot"]) == "pkcs11:slot-id=0?pin-value=<redacted>&x=1")
        #expect(string(["agent", "config", "auth", "username"]) == "registry-user")
        #expect(string(["agent", "config", "auth", "password"]) == "<redacted>")
        #expect(string(["agent", "env", "RegistryToken"]) == "<redacted>")
        #expect(string(["agent", "env", "Mode"]) == "normal")

        let broken = ConfigRedaction.redact(toml: "password = \"S3cret\"\nhostname = \n", source: "/etc/aziot/config.toml")
        #expect(!broken.contains("S3cret"))
        #expect(broken.hasPrefix("# /etc/aziot/config.toml could not be parsed"))
    }
}
