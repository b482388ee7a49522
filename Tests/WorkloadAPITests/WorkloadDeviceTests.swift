import HubEmulatorTestSupport
import AziotClients
import Crypto
import Foundation
import IoTHubProtocol
import MQTTTestSupport
import Testing
import WorkloadAPI

/// The workload API end to end: requests made with curl from inside module containers on the real Docker engine,
/// through the sockets aziot-edged would mount, served with real keyd/certd/identityd processes behind them, and
/// every result checked independently (openssl, the emulator's registry, AES-GCM recomputed here).
@Suite("Workload API with real daemons and module containers (§3.2-§3.5, §4.1)")
struct WorkloadDeviceTests {
    static let query = "?api-version=2019-01-30"

    @Test("sign: the module's derived key, HMAC-SHA256, equal to openssl with HMAC(master, \"<m>:<genId>:primary\") and to the hub's key")
    func sign() async throws {
        try await WorkloadDevice.with { device in
            let module = ModuleContainer.uniqueName("sign")
            let genId = try await device.createModuleIdentity(module)
            let socket = try await device.serveModuleSocket(module)
            try await ModuleContainer.with([(module, [(socket, ModuleContainer.workloadSocket)])]) { _ in
                // What an SDK signs for its SAS token (the Python SDK sends no Content-Type).
                let stringToSign = "localhost%2Fdevices%2F\(device.deviceId)%2Fmodules%2F\(module)\n1795292912"
                let body = #"{"keyId":"primary","algo":"HMACSHA256","data":"\#(Data(stringToSign.utf8).base64EncodedString())"}"#
                let answer = try await Curl.inContainer(
                    module, socket: ModuleContainer.workloadSocket, "POST", "/modules/\(module)/genid/\(genId)/sign\(Self.query)",
                    body: body, contentType: nil)
                #expect(answer.status == 200, "\(answer)")
                #expect(answer.json?.objectValue?.count == 1)
                let digest = try #require(answer.string("digest").flatMap { Data(base64Encoded: $0) })

                let files = try TemporaryDirectory()
                let moduleKeyHex = try await hmacHex(keyHex: hex(device.masterIdentityKey), file: files.write("derivation", "\(module):\(genId):primary"))
                let expected = try await hmacHex(keyHex: moduleKeyHex, file: files.write("data", stringToSign))
                #expect(hex(digest) == expected)
                // IoT Hub holds the same module key, so the SAS token the SDK builds from this digest authenticates.
                let hubKey = try await device.emulator.modulePrimaryKey(deviceId: device.deviceId, moduleId: module)
                #expect(hubKey.flatMap { Data(base64Encoded: $0) }.map { hex($0) } == moduleKeyHex)

                // The genid segment plays no part in signing (as in the reference).
                let otherGen = try await Curl.inContainer(
                    module, socket: ModuleContainer.workloadSocket, "POST", "/modules/\(module)/genid/whatever/sign\(Self.query)", body: body)
                #expect(otherGen.string("digest") == answer.string("digest"))
            }
        }
    }

    @Test("encrypt/decrypt: round trip; AES-256-GCM with AAD module+genId in keyd's v2 format; v2 and IoT Edge 1.1 v1 ciphertexts made here decrypt")
    func encryptDecrypt() async throws {
        try await WorkloadDevice.with { device in
            let module = ModuleContainer.uniqueName("crypt")
            let genId = "637990812345678901"
            let socket = try await device.serveModuleSocket(module)
            try await ModuleContainer.with([(module, [(socket, ModuleContainer.workloadSocket)])]) { _ in
                let plaintext = Array("a secret edgeHub keeps on disk \u{1F512}".utf8)
                let iv = (0..<12).map { _ in UInt8.random(in: 0...255) }
                let call = { (action: String, body: String) in
                    try await Curl.inContainer(
                        module, socket: ModuleContainer.workloadSocket, "POST", "/modules/\(module)/genid/\(genId)/\(action)\(Self.query)", body: body)
                }
                let encrypted = try await call("encrypt", #"{"plaintext":"\#(b64(plaintext))","initializationVector":"\#(b64(iv))"}"#)
                #expect(encrypted.status == 200, "\(encrypted)")
                let ciphertext = try #require(encrypted.string("ciphertext").flatMap { Data(base64Encoded: $0) }.map { [UInt8]($0) })

                // Independently: version byte 2, then the GCM ciphertext and its 16-byte tag, under the master
                // encryption key with AAD = module id + generation id.
                #expect(ciphertext.first == 0x02)
                #expect(ciphertext.count == 1 + plaintext.count + 16)
                let key = SymmetricKey(data: device.masterEncryptionKey)
                let box = try AES.GCM.SealedBox(
                    nonce: AES.GCM.Nonce(data: iv), ciphertext: ciphertext[1..<(ciphertext.count - 16)], tag: ciphertext.suffix(16))
                let aad = Data((module + genId).utf8)
                #expect(Array(try AES.GCM.open(box, using: key, authenticating: aad)) == plaintext)

                let decrypted = try await call("decrypt", #"{"ciphertext":"\#(b64(ciphertext))","initializationVector":"\#(b64(iv))"}"#)
                #expect(decrypted.status == 200, "\(decrypted)")
                #expect(decrypted.string("plaintext") == b64(plaintext))

                // Ciphertexts a module stored earlier (made here the reference's way, in both formats) still open.
                let sealed = try AES.GCM.seal(Array("stored by IoT Edge".utf8), using: key, nonce: AES.GCM.Nonce(data: iv), authenticating: aad)
                let v2 = [0x02] + Array(sealed.ciphertext) + Array(sealed.tag)
                let v1 = [0x01] + Array(sealed.tag) + Array(sealed.ciphertext)
                for stored in [v2, v1] {
                    let opened = try await call("decrypt", #"{"ciphertext":"\#(b64(stored))","initializationVector":"\#(b64(iv))"}"#)
                    #expect(opened.status == 200, "\(opened)")
                    #expect(opened.string("plaintext") == b64(Array("stored by IoT Edge".utf8)))
                }

                // Other IV sizes modules use: 32 bytes (checked independently too) and a short 10-byte one.
                for size in [32, 10] {
                    let otherIV = (0..<size).map { _ in UInt8.random(in: 0...255) }
                    let sealedHere = try await call("encrypt", #"{"plaintext":"\#(b64(plaintext))","initializationVector":"\#(b64(otherIV))"}"#)
                    let bytes = try #require(sealedHere.string("ciphertext").flatMap { Data(base64Encoded: $0) }.map { [UInt8]($0) })
                    if size >= 12 {
                        let otherBox = try AES.GCM.SealedBox(
                            nonce: AES.GCM.Nonce(data: otherIV), ciphertext: bytes[1..<(bytes.count - 16)], tag: bytes.suffix(16))
                        #expect(Array(try AES.GCM.open(otherBox, using: key, authenticating: aad)) == plaintext)
                    }
                    let back = try await call("decrypt", #"{"ciphertext":"\#(b64(bytes))","initializationVector":"\#(b64(otherIV))"}"#)
                    #expect(back.string("plaintext") == b64(plaintext), "IV of \(size) bytes: \(back)")
                }

                // Another generation id is another AAD: the secret does not open (500, as the reference).
                let wrongGen = try await Curl.inContainer(
                    module, socket: ModuleContainer.workloadSocket, "POST", "/modules/\(module)/genid/\(genId)0/decrypt\(Self.query)",
                    body: #"{"ciphertext":"\#(b64(ciphertext))","initializationVector":"\#(b64(iv))"}"#)
                #expect(wrongGen.status == 500, "\(wrongGen)")
                // Too short or an unknown version byte: refused.
                for bad in [[UInt8](repeating: 2, count: 16), [0x03] + Array(ciphertext.dropFirst())] {
                    let refused = try await call("decrypt", #"{"ciphertext":"\#(b64(bad))","initializationVector":"\#(b64(iv))"}"#)
                    #expect(refused.status == 500, "\(refused)")
                }
            }
        }
    }

    @Test("server and identity certificates from the Edge CA: openssl verify, SANs, CN, EKU, 30-day validity, key matches; trust bundles")
    func certificates() async throws {
        try await WorkloadDevice.with { device in
            let module = ModuleContainer.uniqueName("cert")
            let socket = try await device.serveModuleSocket(module)
            try await ModuleContainer.with([(module, [(socket, ModuleContainer.workloadSocket)])]) { _ in
                let files = try TemporaryDirectory()
                let caFile = try files.write("ca.pem", device.edgeCAPEM)
                let call = { (method: String, path: String, body: String?) in
                    try await Curl.inContainer(module, socket: ModuleContainer.workloadSocket, method, path + Self.query, body: body)
                }

                // Server certificate for a host name, asked for as `$<module>` (the `$` is dropped from the id and SAN).
                let server = try await call("POST", "/modules/%24\(module)/genid/g1/certificate/server", #"{"commonName":"gateway.local","expiration":"2099-01-01T00:00:00Z"}"#)
                #expect(server.status == 201, "\(server)")
                let serverText = try await inspect(server, files: files, name: "server", caFile: caFile)
                #expect(serverText.contains("Subject: CN = gateway.local"))
                #expect(serverText.contains("DNS:gateway.local, DNS:\(module)"))
                #expect(serverText.contains("TLS Web Server Authentication"))
                #expect(!serverText.contains("TLS Web Client Authentication"))
                #expect(serverText.contains("Issuer: CN = aziot-edge CA \(device.deviceId)"))
                try await expectThirtyDays(server, files: files, name: "server")
                // certd stored it under the reference's id.
                let stored = try await device.certs.getCertificate(id: "aziot-edged/module/\(module):g1:server")
                #expect(stored == server.string("certificate"))

                // An IP common name becomes an IP SAN.
                let ipServer = try await call("POST", "/modules/\(module)/genid/g1/certificate/server", #"{"commonName":"127.0.0.1"}"#)
                #expect(ipServer.status == 201, "\(ipServer)")
                let ipText = try await inspect(ipServer, files: files, name: "ip", caFile: caFile)
                #expect(ipText.contains("IP Address:127.0.0.1, DNS:\(module)"))

                // Identity certificate: no body needed; CN = module id; the reference's "URI: …" DNS-type SAN.
                let identity = try await call("POST", "/modules/\(module)/certificate/identity", nil)
                #expect(identity.status == 201, "\(identity)")
                let identityText = try await inspect(identity, files: files, name: "identity", caFile: caFile)
                #expect(identityText.contains("Subject: CN = \(module)"))
                #expect(identityText.contains("DNS:URI: azureiot://localhost/devices/\(device.deviceId)/modules/\(module)"))
                #expect(identityText.contains("TLS Web Client Authentication"))
                #expect(!identityText.contains("TLS Web Server Authentication"))
                try await expectThirtyDays(identity, files: files, name: "identity")
                #expect((try? await device.certs.getCertificate(id: "aziot-edged/module/\(module):identity")) != nil)

                // Trust bundle: the Edge CA; manifest trust bundle: empty until certd has one.
                let trust = try await call("GET", "/trust-bundle", nil)
                #expect(trust.status == 200)
                #expect(trust.string("certificate") == device.edgeCAPEM)
                #expect(try await call("GET", "/manifest-trust-bundle", nil).body == #"{"certificate":""}"#)
                _ = try await device.certs.importCertificate(id: "aziot-edged-manifest-trust-bundle", pem: device.edgeCAPEM)
                let manifest = try await call("GET", "/manifest-trust-bundle", nil)
                #expect(manifest.string("certificate") == device.edgeCAPEM)
            }
        }
    }

    @Test("refusals: another module's name (shared socket), another module's socket, a host process, a module without a container")
    func refusals() async throws {
        try await WorkloadDevice.with { device in
            let moduleA = ModuleContainer.uniqueName("a")
            let moduleB = ModuleContainer.uniqueName("b")
            let genA = try await device.createModuleIdentity(moduleA)
            let genB = try await device.createModuleIdentity(moduleB)
            let shared = try await device.serveSharedSocket()
            let socketA = try await device.serveModuleSocket(moduleA)
            let socketB = try await device.serveModuleSocket(moduleB)
            let sharedInside = "/var/run/iotedge/shared.sock"
            let foreignInside = "/var/run/iotedge/other.sock"
            let body = #"{"keyId":"primary","algo":"HMACSHA256","data":"aGVsbG8="}"#
            try await ModuleContainer.with([
                (moduleA, [(socketA, ModuleContainer.workloadSocket), (shared, sharedInside)]),
                // B also sees A's socket, as if it were mounted by mistake.
                (moduleB, [(socketB, ModuleContainer.workloadSocket), (shared, sharedInside), (socketA, foreignInside)]),
            ]) { _ in
                // Each module, for itself, on the shared socket and on its own: allowed.
                for (module, gen) in [(moduleA, genA), (moduleB, genB)] {
                    for socket in [sharedInside, ModuleContainer.workloadSocket] {
                        let own = try await Curl.inContainer(module, socket: socket, "POST", "/modules/\(module)/genid/\(gen)/sign\(Self.query)", body: body)
                        #expect(own.status == 200, "\(module) on \(socket): \(own)")
                    }
                }
                // B asking for A's key on the shared socket: its pid is not in A's container.
                let borrowed = try await Curl.inContainer(moduleB, socket: sharedInside, "POST", "/modules/\(moduleA)/genid/\(genA)/sign\(Self.query)", body: body)
                #expect(borrowed.status == 403)
                #expect(borrowed.body == #"{"message":"forbidden"}"#)
                for path in ["/modules/\(moduleA)/certificate/identity", "/modules/\(moduleA)/genid/\(genA)/certificate/server"] {
                    let cert = try await Curl.inContainer(moduleB, socket: sharedInside, "POST", path + Self.query, body: #"{"commonName":"x"}"#)
                    #expect(cert.status == 403, "\(path): \(cert)")
                }
                // B on A's socket, even for itself: the socket serves only A.
                let wrongSocket = try await Curl.inContainer(moduleB, socket: foreignInside, "POST", "/modules/\(moduleB)/genid/\(genB)/sign\(Self.query)", body: body)
                #expect(wrongSocket.status == 403)
                #expect(wrongSocket.message == "forbidden")
                // B for A on A's socket: still not A's container.
                let wrongCaller = try await Curl.inContainer(moduleB, socket: foreignInside, "POST", "/modules/\(moduleA)/genid/\(genA)/sign\(Self.query)", body: body)
                #expect(wrongCaller.status == 403)

                // A process on the host (this test's curl): refused on module routes, served on the open ones.
                let host = try await Curl.host(socket: shared, "POST", "/modules/\(moduleA)/genid/\(genA)/encrypt\(Self.query)",
                    body: #"{"plaintext":"aGk=","initializationVector":"aXZpdml2aXZpdml2"}"#)
                #expect(host.status == 403)
                #expect(host.message == "forbidden")
                let hostTrust = try await Curl.host(socket: shared, "GET", "/trust-bundle\(Self.query)")
                #expect(hostTrust.status == 200)

                // A module name with no container at all.
                let ghost = try await Curl.inContainer(moduleA, socket: sharedInside, "POST", "/modules/\(moduleA)-ghost/certificate/identity\(Self.query)")
                #expect(ghost.status == 403)
            }
        }
    }

    @Test("the official Python SDK in a module container: create_from_edge_environment, and its workload signer and trust bundle")
    func pythonSDK() async throws {
        let venv = try PythonVenv.locate()
        try await WorkloadDevice.with { device in
            let module = ModuleContainer.uniqueName("sdk")
            let genId = try await device.createModuleIdentity(module)
            let socket = try await device.serveModuleSocket(module)
            try await ModuleContainer.with([(module, [(socket, ModuleContainer.workloadSocket)] + venv.mounts)]) { _ in
                // azure-iot-device 2.14: the client reads the seven IOTEDGE_* variables, fetches the trust bundle and
                // signs its first SAS token at construction (it connects only later); then its own signer signs a
                // string we choose, with the request shape of every SDK token renewal (POST without Content-Type).
                let script = """
                    import json, os
                    from azure.iot.device import IoTHubModuleClient
                    from azure.iot.device.iothub.edge_hsm import IoTEdgeHsm
                    IoTHubModuleClient.create_from_edge_environment()
                    env = os.environ
                    hsm = IoTEdgeHsm(env["IOTEDGE_MODULEID"], env["IOTEDGE_MODULEGENERATIONID"], env["IOTEDGE_WORKLOADURI"], env["IOTEDGE_APIVERSION"])
                    print(json.dumps({"bundle": hsm.get_certificate(), "digest": hsm.sign("resource\\n1795292912")}), flush=True)
                    os._exit(0)
                    """
                let environment = [
                    "IOTEDGE_IOTHUBHOSTNAME=localhost", "IOTEDGE_DEVICEID=\(device.deviceId)", "IOTEDGE_MODULEID=\(module)",
                    "IOTEDGE_GATEWAYHOSTNAME=localhost", "IOTEDGE_MODULEGENERATIONID=\(genId)",
                    "IOTEDGE_WORKLOADURI=unix://\(ModuleContainer.workloadSocket)", "IOTEDGE_APIVERSION=2019-01-30", "IOTEDGE_AUTHSCHEME=sasToken",
                    "HOME=/tmp",
                ]
                let result = try await ChildProcess.run(
                    "docker", ["exec"] + environment.flatMap { ["-e", $0] } + [module, venv.python, "-c", script], timeout: .seconds(120))
                #expect(result.status == 0, "\(result.stderr)")
                let output = try JSONValue(parsing: result.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
                #expect(output["bundle"]?.stringValue == device.edgeCAPEM)
                let digest = try #require(output["digest"]?.stringValue.flatMap { Data(base64Encoded: $0) })
                let files = try TemporaryDirectory()
                let moduleKeyHex = try await hmacHex(keyHex: hex(device.masterIdentityKey), file: files.write("derivation", "\(module):\(genId):primary"))
                #expect(hex(digest) == (try await hmacHex(keyHex: moduleKeyHex, file: files.write("data", "resource\n1795292912"))))
            }
        }
    }

    // MARK: Helpers

    /// Writes the answer's leaf, chain and key, checks the JSON shape and `openssl verify` against the Edge CA, and
    /// returns `openssl x509 -text` of the leaf.
    func inspect(_ answer: CurlAnswer, files: TemporaryDirectory, name: String, caFile: String) async throws -> String {
        let json = try #require(answer.json?.objectValue)
        #expect(json.keys == ["privateKey", "certificate", "expiration"])
        #expect(answer.json?["privateKey"]?["type"]?.stringValue == "key")
        let keyPEM = try #require(answer.json?["privateKey"]?["bytes"]?.stringValue)
        let chain = try #require(answer.string("certificate"))
        #expect(keyPEM.hasPrefix("-----BEGIN PRIVATE KEY-----"))
        #expect(chain.hasPrefix("-----BEGIN CERTIFICATE-----"))
        let blocks = chain.components(separatedBy: "-----END CERTIFICATE-----").filter { $0.contains("BEGIN") }
        #expect(blocks.count == 2, "leaf + Edge CA")
        let leafFile = try files.write("\(name)-leaf.pem", (blocks.first ?? "") + "-----END CERTIFICATE-----\n")
        let chainFile = try files.write("\(name)-chain.pem", chain)
        let keyFile = try files.write("\(name)-key.pem", keyPEM)
        #expect(try await openssl(["verify", "-CAfile", caFile, leafFile]).contains("OK"))
        #expect(try await openssl(["verify", "-CAfile", caFile, "-untrusted", chainFile, chainFile]).contains("OK"))
        let purpose = name == "identity" ? "sslclient" : "sslserver"
        #expect(try await openssl(["verify", "-purpose", purpose, "-CAfile", caFile, leafFile]).contains("OK"))
        // The private key is the certificate's, RSA-2048.
        #expect(try await openssl(["pkey", "-in", keyFile, "-pubout"]) == openssl(["x509", "-in", leafFile, "-noout", "-pubkey"]))
        #expect(try await openssl(["pkey", "-in", keyFile, "-noout", "-text"]).contains("Private-Key: (2048 bit"))
        return try await openssl(["x509", "-in", leafFile, "-noout", "-text"])
    }

    /// certd's default lifetime for issued certificates (30 days), and `expiration` = the leaf's notAfter.
    func expectThirtyDays(_ answer: CurlAnswer, files: TemporaryDirectory, name: String) async throws {
        let leafFile = "\(files.path)/\(name)-leaf.pem"
        let start = try await opensslDate(["x509", "-in", leafFile, "-noout", "-startdate"])
        let end = try await opensslDate(["x509", "-in", leafFile, "-noout", "-enddate"])
        #expect(abs(end.timeIntervalSince(start) - 30 * 86_400) < 2)
        let expiration = try #require(answer.string("expiration"))
        #expect(expiration.hasSuffix("+00:00"))
        #expect(expiration == ModuleCertificate.rfc3339(end))
    }

    /// `notBefore=Jan  1 00:00:00 2026 GMT` → a date.
    func opensslDate(_ arguments: [String]) async throws -> Date {
        let line = try await openssl(arguments).trimmingCharacters(in: .whitespacesAndNewlines)
        let text = String(line.split(separator: "=", maxSplits: 1).last ?? "")
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "MMM d HH:mm:ss yyyy zzz"
        let normalized = text.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
        return try #require(formatter.date(from: normalized), "\(line)")
    }
}

func b64(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }

func hex(_ bytes: some Sequence<UInt8>) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

/// HMAC-SHA256 of a file's bytes with a hex key, computed by openssl; lowercase hex.
func hmacHex(keyHex: String, file: String) async throws -> String {
    let output = try await openssl(["mac", "-digest", "SHA256", "-macopt", "hexkey:\(keyHex)", "-in", file, "HMAC"])
    return output.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
}
