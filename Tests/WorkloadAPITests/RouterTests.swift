import AziotClients
import Foundation
import IoTHubProtocol
import Logging
import MQTTTestSupport
import Testing
import UnixSocketHTTP
import WorkloadAPI

/// The workload routes on a real Unix socket, called with curl, with stand-ins for the caller check and the module
/// list, and no keyd/certd/identityd behind them (so calls that get that far fail with the reference's 500/404).
@Suite("Workload API routing: api-versions, paths, methods, bodies, caller checks (§1, §3.1)")
struct RouterTests {
    struct FixedCallers: ProcessContainerLookup {
        let allow: Bool
        func isProcess(_ pid: Int32, inContainerNamed containerName: String) async -> Bool { allow }
    }

    struct StubModuleList: WorkloadModuleList {
        struct Failure: Error, CustomStringConvertible { var description: String { "Docker is not running" } }
        let fails: Bool
        func moduleListJSON() async throws -> JSONValue {
            if fails { throw Failure() }
            return ["modules": []]
        }
    }

    /// A server on a temporary socket; the daemons' sockets in the same folder do not exist.
    final class StubServer: Sendable {
        let directory: String
        let server: UnixSocketHTTPServer
        var socket: String { directory + "/workload.sock" }

        init(allow: Bool, boundModule: String? = nil, listFails: Bool = false) async throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("wl-router-\(UUID().uuidString.prefix(8))").path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let logger = makeTestLogger(label: "workload")
            let service = WorkloadService(
                configuration: WorkloadConfiguration(hubName: "hub.example", deviceId: "dev1"),
                keys: KeyClient(socketPath: directory + "/keyd.sock"),
                certs: CertClient(socketPath: directory + "/certd.sock"),
                moduleKeys: IdentitydModuleKeySource(socketPath: directory + "/identityd.sock"),
                callers: FixedCallers(allow: allow),
                moduleList: StubModuleList(fails: listFails),
                logger: logger
            )
            let router = boundModule.map { WorkloadAPI.router(for: $0, service: service) } ?? WorkloadAPI.router(service: service)
            server = UnixSocketHTTPServer(
                configuration: .init(endpoint: .unixSocket(path: directory + "/workload.sock"), socketMode: 0o666), router: router, logger: logger
            )
            try await server.start()
        }

        func call(_ method: String, _ target: String, body: String? = nil, contentType: String? = "application/json") async throws -> CurlAnswer {
            try await Curl.host(socket: socket, method, target, body: body, contentType: contentType)
        }

        func stop() async {
            await server.stop()
            try? FileManager.default.removeItem(atPath: directory)
        }

        /// Runs `body` with a started server and stops it (removing its folder) whatever happens.
        static func with(
            allow: Bool, boundModule: String? = nil, listFails: Bool = false, _ body: (StubServer) async throws -> Void
        ) async throws {
            let server = try await StubServer(allow: allow, boundModule: boundModule, listFails: listFails)
            do {
                try await body(server)
                await server.stop()
            } catch {
                await server.stop()
                throw error
            }
        }
    }

    static let sign = #"{"keyId":"primary","algo":"HMACSHA256","data":"aGVsbG8="}"#

    @Test("api-version: missing, unknown (2021-05-11 too) and each of the seven accepted versions")
    func apiVersions() async throws {
        try await StubServer.with(allow: true) { server in
            let missing = try await server.call("GET", "/manifest-trust-bundle")
            #expect(missing.status == 400)
            #expect(missing.message == "api-version not specified")
            for version in ["2021-05-11", "2020-09-01", "x"] {
                let invalid = try await server.call("GET", "/manifest-trust-bundle?api-version=\(version)")
                #expect(invalid.status == 400)
                #expect(invalid.message == "invalid api-version \"\(version)\"")
            }
            for version in WorkloadAPI.versions {
                let answer = try await server.call("GET", "/manifest-trust-bundle?api-version=\(version)")
                #expect(answer.status == 200, "\(version): \(answer)")
                // No manifest trust bundle in certd (no certd at all): the empty string.
                #expect(answer.body == #"{"certificate":""}"#)
            }
        }
    }

    @Test("paths: unknown → 404 not found; wrong method → 400 method not allowed; empty segments and trailing / → 404")
    func paths() async throws {
        try await StubServer.with(allow: true) { server in
            for target in [
                "/nothing", "/modules/m/genid/g/sign/x", "/modules//genid/g/sign", "/modules/m/genid//sign", "/modules/m/genid/g/sign/",
                "/trust-bundle/", "/modules/m/certificate/identity/", "/amodules/m/genid/g/sign",
            ] {
                let method = target.contains("trust") ? "GET" : "POST"
                let answer = try await server.call(method, "\(target)?api-version=2019-01-30", body: Self.sign)
                #expect(answer.status == 404, "\(target): \(answer)")
                #expect(answer.message == "not found")
            }
            let wrongMethod = try await server.call("GET", "/modules/m/genid/g/sign?api-version=2019-01-30")
            #expect(wrongMethod.status == 400)
            #expect(wrongMethod.message == "method not allowed")
            let postBundle = try await server.call("POST", "/trust-bundle?api-version=2019-01-30", body: "{}")
            #expect(postBundle.status == 400)
            #expect(postBundle.message == "method not allowed")
        }
    }

    @Test("module list on /modules and /modules/ (old diagnostics images); a runtime failure is 500 with its text")
    func moduleList() async throws {
        try await StubServer.with(allow: false) { server in
            for target in ["/modules", "/modules/"] {
                let answer = try await server.call("GET", "\(target)?api-version=2020-07-07")
                #expect(answer.status == 200)
                #expect(answer.body == #"{"modules":[]}"#)
            }
        }
        try await StubServer.with(allow: true, listFails: true) { failing in
            let answer = try await failing.call("GET", "/modules?api-version=2020-07-07")
            #expect(answer.status == 500)
            #expect(answer.message == "Docker is not running")
        }
    }

    @Test("a caller that is not the module: 403 forbidden on every module route; unparsable JSON is 422 before that")
    func forbidden() async throws {
        try await StubServer.with(allow: false) { server in
            let routes = [
                ("/modules/modA/genid/1/sign", Self.sign),
                ("/modules/modA/genid/1/encrypt", #"{"plaintext":"aGk=","initializationVector":"aXY="}"#),
                ("/modules/modA/genid/1/decrypt", #"{"ciphertext":"aGk=","initializationVector":"aXY="}"#),
                ("/modules/modA/certificate/identity", "{}"),
                ("/modules/%24edgeHub/genid/1/certificate/server", #"{"commonName":"edgehub"}"#),
            ]
            for (path, body) in routes {
                let answer = try await server.call("POST", "\(path)?api-version=2022-08-03", body: body)
                #expect(answer.status == 403, "\(path): \(answer)")
                #expect(answer.body == #"{"message":"forbidden"}"#)
                // Without a body the caller check still comes first.
                let noBody = try await server.call("POST", "\(path)?api-version=2022-08-03")
                #expect(noBody.status == 403, "\(path): \(noBody)")
                let broken = try await server.call("POST", "\(path)?api-version=2022-08-03", body: "{not json")
                #expect(broken.status == 422, "\(path): \(broken)")
            }
            // Unprotected routes stay open to any caller.
            #expect(try await server.call("GET", "/manifest-trust-bundle?api-version=2020-07-07").status == 200)
        }
    }

    @Test("bodies: missing → 400 with the reference's texts; no Content-Type is JSON; another type is no body; bad base64 → 400")
    func bodies() async throws {
        try await StubServer.with(allow: true) { server in
            let query = "?api-version=2019-01-30"
            let missingSign = try await server.call("POST", "/modules/modA/genid/1/sign\(query)")
            #expect(missingSign.status == 400)
            #expect(missingSign.message == "missing parameter: request body")
            for action in ["encrypt", "decrypt", "certificate/server"] {
                let missing = try await server.call("POST", "/modules/modA/genid/1/\(action)\(query)")
                #expect(missing.status == 400)
                #expect(missing.message == "missing request body")
            }
            let plainText = try await server.call("POST", "/modules/modA/genid/1/sign\(query)", body: Self.sign, contentType: "text/plain")
            #expect(plainText.status == 400)
            #expect(plainText.message == "missing parameter: request body")
            let missingField = try await server.call("POST", "/modules/modA/genid/1/sign\(query)", body: #"{"keyId":"primary"}"#)
            #expect(missingField.status == 422)
            #expect(missingField.message == "missing field `data`")
            let wrongType = try await server.call("POST", "/modules/modA/genid/1/certificate/server\(query)", body: #"{"commonName":5}"#)
            #expect(wrongType.status == 422)
            #expect(wrongType.message == "invalid type: expected a string at commonName")

            let badData = try await server.call("POST", "/modules/modA/genid/1/sign\(query)", body: #"{"data":"~"}"#, contentType: nil)
            #expect(badData.status == 400)
            #expect(badData.message == "invalid parameter: Invalid symbol 126, offset 0.")
            let badPlaintext = try await server.call(
                "POST", "/modules/modA/genid/1/encrypt\(query)", body: #"{"plaintext":"aGk","initializationVector":"aXY="}"#)
            #expect(badPlaintext.status == 400)
            #expect(badPlaintext.message == "invalid parameter: Invalid padding")
            let badIV = try await server.call(
                "POST", "/modules/modA/genid/1/decrypt\(query)", body: #"{"ciphertext":"aGk=","initializationVector":"a Y="}"#)
            #expect(badIV.status == 400)
            #expect(badIV.message == "invalid parameter: Invalid symbol 32, offset 1.")

            // Past the checks, the missing daemons give the reference's 500s and 404.
            let sign = try await server.call("POST", "/modules/modA/genid/1/sign\(query)", body: Self.sign, contentType: nil)
            #expect(sign.status == 500)
            #expect(sign.message?.hasPrefix("failed to get module identity for modA: ") == true, "\(sign)")
            let encrypt = try await server.call("POST", "/modules/modA/genid/1/encrypt\(query)", body: #"{"plaintext":"aGk=","initializationVector":"aXY="}"#)
            #expect(encrypt.status == 500)
            #expect(encrypt.message?.hasPrefix("unable to load master encryption key: ") == true, "\(encrypt)")
            let identity = try await server.call("POST", "/modules/modA/certificate/identity\(query)")
            #expect(identity.status == 500)
            #expect(identity.message == "failed to get edge CA key")
            let trust = try await server.call("GET", "/trust-bundle\(query)")
            #expect(trust.status == 404)
            #expect(trust.message == #"certificate "aziot-edged-trust-bundle" not found"#)
        }
    }

    @Test("a module's own socket serves only that module ($ ignored), even to a caller the container check lets through")
    func boundSocket() async throws {
        try await StubServer.with(allow: true, boundModule: "edgeHub") { server in
            let other = try await server.call("POST", "/modules/modB/genid/1/sign?api-version=2019-01-30", body: Self.sign)
            #expect(other.status == 403)
            #expect(other.message == "forbidden")
            // Its own name, with or without `$`, passes the check (and fails later: no identityd here).
            for name in ["edgeHub", "%24edgeHub"] {
                let own = try await server.call("POST", "/modules/\(name)/genid/1/sign?api-version=2019-01-30", body: Self.sign)
                #expect(own.status == 500, "\(name): \(own)")
            }
        }
    }
}
