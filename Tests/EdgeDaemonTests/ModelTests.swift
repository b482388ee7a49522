import DockerClient
import EdgeDaemon
import EdgeTestSupport
import Foundation
import IoTHubProtocol
import NIOHTTP1
import Testing
import UnixSocketHTTP

@Suite("Management API values: module specs, status, timestamps, logs queries")
struct ModelTests {
    static func spec(_ text: String) throws -> ModuleSpec { try ModuleSpec(json: try JSONValue(parsing: text)) }

    static func httpError(_ body: () throws -> Void) -> HTTPError? {
        do {
            try body()
            return nil
        } catch let error as HTTPError {
            return error
        } catch {
            Issue.record("expected an HTTPError, got \(error)")
            return nil
        }
    }

    @Test("a module spec as edgeAgent sends it: pull policy case-insensitive, settings as DockerConfig, unknown fields kept")
    func moduleSpec() throws {
        let spec = try Self.spec(
            #"{"name":"m1","type":"docker","imagePullPolicy":"On-Create","config":{"settings":{"image":"busybox:1","imageHash":"sha256:ab","digest":"sha256:cd","createOptions":{"HostConfig":{"Binds":["/a:/b"]},"Future":{"x":1}},"auth":{"username":"u","password":"p","serveraddress":"r.io","extra":"kept"}},"env":[{"key":"A","value":"1"}]},"unknown":true}"#
        )
        #expect(spec.name == "m1")
        #expect(spec.imagePullPolicy == .onCreate)
        #expect(spec.config.image == "busybox:1")
        #expect(spec.config.imageHash == "sha256:ab")
        #expect(spec.config.digest == "sha256:cd")
        #expect(spec.config.createOptions?["Future"] == ["x": 1])
        #expect(spec.config.registryAuth?.serverAddress == "r.io")
        #expect(spec.config.auth?["extra"] == "kept")
        #expect(spec.env == [ModuleEnvVar(key: "A", value: "1")])
        #expect(try Self.spec(#"{"name":"m","type":"docker","imagePullPolicy":"NEVER","config":{"settings":{"image":"i"}}}"#).imagePullPolicy == .never)
        #expect(try Self.spec(#"{"name":"m","type":"docker","config":{"settings":{"image":"i"}}}"#).imagePullPolicy == .onCreate)
        // The echo: settings in camelCase, env as key/value entries.
        #expect(
            ModuleDetails.echo(try Self.spec(#"{"name":"m","type":"docker","config":{"settings":{"image":"i"},"env":[{"key":"K","value":"V"}]}}"#), status: .stopped).jsonString
                == #"{"id":"id","name":"m","type":"docker","config":{"settings":{"image":"i"},"env":[{"key":"K","value":"V"}]},"status":{"runtimeStatus":{"status":"stopped"}}}"#
        )
    }

    @Test("invalid specs: blank name or type, duplicate env keys, bad settings → 400; wrong shape → 422")
    func invalidSpecs() {
        let cases: [(String, UInt, String)] = [
            (#"{"name":" ","type":"docker","config":{"settings":{"image":"i"}}}"#, 400, "name"),
            (#"{"name":"m","type":"","config":{"settings":{"image":"i"}}}"#, 400, "type"),
            (#"{"name":"m","type":"docker","config":{"settings":{"image":"i"},"env":[{"key":"A","value":"1"},{"key":"A","value":"2"}]}}"#, 400, "duplicate env var key: A"),
            (#"{"name":"m","type":"docker","config":{"settings":{"image":"  "}}}"#, 400, "invalid Docker config"),
            (#"{"name":"m","type":"docker","config":{"settings":{"createOptions":{}}}}"#, 400, "invalid Docker config"),
            (#"{"name":"m","type":"docker","config":{"settings":{"image":"i","createOptions":"{}"}}}"#, 400, "invalid Docker config"),
            (#"{"name":"m","type":"docker","config":{"settings":"i"}}"#, 400, "invalid Docker config"),
            (#"{"type":"docker","config":{"settings":{"image":"i"}}}"#, 422, "name"),
            (#"{"name":"m","type":"docker"}"#, 422, "config"),
            (#"{"name":"m","type":"docker","imagePullPolicy":"always","config":{"settings":{"image":"i"}}}"#, 422, "imagePullPolicy"),
            (#"[1]"#, 422, "object"),
        ]
        for (text, status, fragment) in cases {
            let error = Self.httpError { _ = try Self.spec(text) }
            #expect(error?.status.code == status, "\(text)")
            #expect(error?.message.contains(fragment) == true, "\(text): \(error?.message ?? "")")
        }
    }

    @Test("Docker states map to the reference's statuses (lowercase on the wire)")
    func statusMapping() {
        let cases: [(String, Int64, ModuleRuntimeStatus)] = [
            ("running", 0, .running), ("created", 0, .stopped), ("paused", 0, .stopped), ("restarting", 1, .stopped),
            ("exited", 0, .stopped), ("exited", 137, .failed), ("removing", 0, .stopped), ("removing", 2, .failed),
            ("dead", 0, .dead), ("weird", 0, .unknown),
        ]
        for (docker, code, expected) in cases {
            #expect(ModuleRuntimeStatus(dockerStatus: docker, exitCode: code) == expected, "\(docker) \(code)")
        }
        #expect(ModuleRuntimeStatus.failed.rawValue == "failed")
    }

    @Test("timestamps: UTC with Z and 0, 3, 6 or 9 fraction digits; Docker's zero time is absent")
    func timestamps() {
        #expect(RFC3339.normalize("2024-05-01T10:00:00Z") == "2024-05-01T10:00:00Z")
        #expect(RFC3339.normalize("2024-05-01T10:00:00.000000000Z") == "2024-05-01T10:00:00Z")
        #expect(RFC3339.normalize("2024-05-01T10:00:00.120000000Z") == "2024-05-01T10:00:00.120Z")
        #expect(RFC3339.normalize("2024-05-01T10:00:00.123456Z") == "2024-05-01T10:00:00.123456Z")
        #expect(RFC3339.normalize("2024-05-01T10:00:00.123456789Z") == "2024-05-01T10:00:00.123456789Z")
        #expect(RFC3339.normalize("2024-05-01T12:00:00+02:00") == "2024-05-01T10:00:00Z")
        #expect(RFC3339.normalize("0001-01-01T00:00:00Z") == nil)
        #expect(RFC3339.normalize("") == nil)
        #expect(RFC3339.normalize("yesterday") == nil)
        #expect(RFC3339.format(Date(timeIntervalSince1970: 1_700_000_000.5)) == "2023-11-14T22:13:20.500Z")
    }

    @Test("logs query: follow/timestamps true|false, tail all|n, since/until as unix seconds, RFC 3339 or durations")
    func logsQuery() throws {
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        let all = try LogsQuery(query: ["follow": "true", "tail": "10", "since": "-5", "until": "5", "timestamps": "true"], now: now)
        #expect(all == LogsQuery(follow: true, tail: .last(10), since: -5, until: 5, timestamps: true))
        #expect(try LogsQuery(query: [:]) == LogsQuery())
        #expect(try LogsQuery(query: ["tail": "all", "since": "0"]) == LogsQuery())
        #expect(try LogsQuery(query: ["since": "2023-11-14T22:13:20Z"], now: now).since == 1_700_000_000)
        #expect(try LogsQuery(query: ["since": "1 day"], now: now).since == 1_700_000_000 - 86_400)
        #expect(try LogsQuery(query: ["since": "90m"], now: now).since == 1_700_000_000 - 5_400)
        #expect(try LogsQuery(query: ["since": "2 days 3 hours"], now: now).since == 1_700_000_000 - 2 * 86_400 - 3 * 3_600)
        #expect(try LogsQuery(query: ["until": "1h 30min"], now: now).until == 1_700_000_000 - 5_400)
        for (name, value) in [("follow", "yes"), ("timestamps", "1"), ("tail", "-1"), ("tail", "ten"), ("since", "garbage"), ("until", "5 fortnights"), ("since", "99999999999")] {
            let error = Self.httpError { _ = try LogsQuery(query: [name: value], now: now) }
            #expect(error == HTTPError(.badRequest, "invalid parameter: \(name)"), "\(name)=\(value)")
        }
    }
}
