import AziotClients
import Foundation
import KeyService
import NIOCore
import NIOHTTP1
import UnixSocketHTTP
import Testing

@Suite("keyd HTTP API: api-versions, status quirks, authorization, logs (curl and setpriv as independent clients)")
struct HTTPAPITests {
    @Test("api-version is mandatory and must be 2020-09-01 or 2021-05-01; unknown paths 404; wrong methods 400")
    func routing() async throws {
        let keyd = try await KeydTestServer.start()
        defer { Task { await keyd.stop() } }
        let missing = try await keyd.curl("POST", "/key", body: #"{"keyId":"a","usage":"sign"}"#)
        #expect(missing.status == 400)
        #expect(errorMessage(missing.body) == "api-version not specified")
        let unknown = try await keyd.curl("POST", "/key?api-version=2022-08-01", body: #"{"keyId":"a","usage":"sign"}"#)
        #expect(unknown.status == 400)
        #expect(errorMessage(unknown.body) == "invalid api-version \"2022-08-01\"")
        for version in ["2020-09-01", "2021-05-01"] {
            let created = try await keyd.curl("POST", "/key?api-version=\(version)", body: #"{"keyId":"a","usage":"sign"}"#)
            #expect(created.status == 200)
            #expect(created.body.hasPrefix(#"{"keyHandle":"sr="#), "\(created.body)")
            #expect(!created.body.contains("\\/"))
        }
        let notFound = try await keyd.curl("GET", "/keys/a?api-version=2021-05-01")
        #expect(notFound.status == 404)
        #expect(errorMessage(notFound.body) == "not found")
        let wrongMethod = try await keyd.curl("PUT", "/key?api-version=2021-05-01", body: "{}")
        #expect(wrongMethod.status == 400)
        #expect(errorMessage(wrongMethod.body) == "method not allowed")
    }

    @Test("bodies: missing → 400, malformed JSON / missing usage / unknown usage / bad base64 / unknown algorithm → 422")
    func bodies() async throws {
        let keyd = try await KeydTestServer.start()
        defer { Task { await keyd.stop() } }
        let noBody = try await keyd.curl("POST", "/key?api-version=2021-05-01")
        #expect(noBody.status == 400)
        #expect(errorMessage(noBody.body) == "missing request body")
        let textBody = try await keyd.curl("POST", "/key?api-version=2021-05-01", body: #"{"keyId":"a","usage":"sign"}"#, contentType: "text/plain")
        #expect(textBody.status == 400)
        #expect(errorMessage(textBody.body) == "missing request body")
        let handle = try await keyd.client.createKey(id: "k", usage: [.sign])
        let unprocessable = [
            ("/key", #"{"keyId":"a","usage":"sign""#),
            ("/key", #"{"keyId":"a"}"#),
            ("/key", #"{"keyId":"a","usage":"sign,verify"}"#),
            ("/key", #"{"keyId":"a","usage":""}"#),
            ("/key", #"{"keyId":"a","usage":"sign","keyBytes":"not base64!"}"#),
            ("/sign", #"{"keyHandle":"\#(handle.rawValue)","algorithm":"HMAC-SHA512","parameters":{"message":"AA=="}}"#),
            ("/sign", #"{"keyHandle":"\#(handle.rawValue)","algorithm":"HMAC-SHA256","parameters":{"message":"AA"}}"#),
            ("/encrypt", #"{"keyHandle":"\#(handle.rawValue)","algorithm":"AEAD","plaintext":"AA=="}"#),
            ("/derivedkey", #"{"baseKeyHandle":"\#(handle.rawValue)"}"#),
        ]
        for (path, body) in unprocessable {
            let response = try await keyd.curl("POST", "\(path)?api-version=2021-05-01", body: body)
            #expect(response.status == 422, "\(path) \(body): \(response.body)")
            #expect(errorMessage(response.body) != nil)
        }
        let imported = await keyClientError { _ = try await keyd.client.importKey(id: "empty", bytes: Data(), usage: [.sign]) }
        #expect(imported?.status == .badRequest)
    }

    @Test("principals: uid 0 always; other uids only for ids matching their globs (create, load, import, move); 401 otherwise")
    func authorization() async throws {
        let keyd = try await KeydTestServer.start(
            principals: [.init(uid: 4242, keys: ["module-*"]), .init(uid: 4242, keys: ["device-?d"])],
            socketMode: 0o666
        )
        defer { Task { await keyd.stop() } }
        let create = try await keyd.curl("POST", "/key?api-version=2021-05-01", body: #"{"keyId":"module-a","usage":"sign"}"#, uid: 4242)
        #expect(create.status == 200, "\(create.body)")
        let secondEntry = try await keyd.curl("POST", "/keypair?api-version=2021-05-01", body: #"{"keyId":"device-id"}"#, uid: 4242)
        #expect(secondEntry.status == 200, "\(secondEntry.body)")
        let load = try await keyd.curl("GET", "/key/module-a?api-version=2021-05-01", uid: 4242)
        #expect(load.status == 200)

        let denied = try await keyd.curl("POST", "/key?api-version=2021-05-01", body: #"{"keyId":"aziot_identityd_master_id","usage":"sign"}"#, uid: 4242)
        #expect(denied.status == 401)
        #expect(errorMessage(denied.body) == "user 4242 is not authorized to access the key aziot_identityd_master_id")
        let otherUser = try await keyd.curl("GET", "/key/module-a?api-version=2021-05-01", uid: 4343)
        #expect(otherUser.status == 401)
        #expect(errorMessage(otherUser.body) == "user 4343 is not authorized to access the key module-a")
        let importDenied = try await keyd.curl(
            "POST", "/key?api-version=2021-05-01", body: #"{"keyId":"device-idx","usage":"sign","keyBytes":"AAAA"}"#, uid: 4242
        )
        #expect(importDenied.status == 401)
        // A move needs both ids.
        _ = try await keyd.client.createKeyPair(id: "root-pair")
        let moveDenied = try await keyd.curl("POST", "/keypair/module-b?api-version=2021-05-01", body: #"{"from":"root-pair"}"#, uid: 4242)
        #expect(moveDenied.status == 401)
        #expect(errorMessage(moveDenied.body) == "user 4242 is not authorized to access the key root-pair")
        #expect(FileManager.default.fileExists(atPath: keyd.keyFile("root-pair")))
        // Root may do anything; principals can be replaced at run time.
        await keyd.service.updatePrincipals([.init(uid: 4343, keys: ["*"])])
        let nowAllowed = try await keyd.curl("GET", "/key/module-a?api-version=2021-05-01", uid: 4343)
        #expect(nowAllowed.status == 200)
        let nowDenied = try await keyd.curl("GET", "/key/module-a?api-version=2021-05-01", uid: 4242)
        #expect(nowDenied.status == 401)
    }

    @Test("curl drives the main endpoints end to end")
    func curlEndToEnd() async throws {
        let keyd = try await KeydTestServer.start()
        defer { Task { await keyd.stop() } }
        let api = "api-version=2021-05-01"
        let created = try await keyd.curl("POST", "/key?\(api)", body: #"{"keyId":"master","usage":"derive,sign","keyBytes":"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="}"#)
        #expect(created.status == 200)
        let handle = try JSONDecoder().decode(KeyHandleResponse.self, from: Data(created.body.utf8)).keyHandle
        let signed = try await keyd.curl("POST", "/sign?\(api)", body: #"{"keyHandle":"\#(handle.rawValue)","algorithm":"HMAC-SHA256","parameters":{"message":"aGVsbG8="}}"#)
        #expect(signed.status == 200)
        let signature = try JSONDecoder().decode(SignResponse.self, from: Data(signed.body.utf8)).signature
        #expect(signature == (try await keyd.client.sign(handle, .hmacSHA256(message: Data("hello".utf8)))))

        let derived = try await keyd.curl("POST", "/derivedkey?\(api)", body: #"{"baseKeyHandle":"\#(handle.rawValue)","derivationData":"bW9kMQ=="}"#)
        #expect(derived.status == 200)
        let derivedHandle = try JSONDecoder().decode(KeyHandleResponse.self, from: Data(derived.body.utf8)).keyHandle
        let exported = try await keyd.curl("POST", "/derivedkey/export?\(api)", body: #"{"keyHandle":"\#(derivedHandle.rawValue)"}"#)
        #expect(exported.status == 200)
        #expect(try JSONDecoder().decode(ExportDerivedKeyResponse.self, from: Data(exported.body.utf8)).key.count == 32)

        let encrypted = try await keyd.curl(
            "POST", "/encrypt?\(api)",
            body: #"{"keyHandle":"\#(handle.rawValue)","algorithm":"AEAD","parameters":{"iv":"AAAAAAAAAAAAAAAA","aad":""},"plaintext":"c2VjcmV0"}"#
        )
        #expect(encrypted.status == 200)
        let ciphertext = try JSONDecoder().decode(EncryptResponse.self, from: Data(encrypted.body.utf8)).ciphertext
        let decrypted = try await keyd.curl(
            "POST", "/decrypt?\(api)",
            body: #"{"keyHandle":"\#(handle.rawValue)","algorithm":"AEAD","parameters":{"iv":"AAAAAAAAAAAAAAAA","aad":""},"ciphertext":"\#(ciphertext.base64EncodedString())"}"#
        )
        #expect(decrypted.status == 200)
        #expect(try JSONDecoder().decode(DecryptResponse.self, from: Data(decrypted.body.utf8)).plaintext == Data("secret".utf8))

        let pair = try await keyd.curl("POST", "/keypair?\(api)", body: #"{"keyId":"server","preferredAlgorithms":"ec-p256:rsa-2048"}"#)
        #expect(pair.status == 200)
        let loaded = try await keyd.curl("GET", "/keypair/server?\(api)")
        #expect(loaded.status == 200)
        let pairHandle = try JSONDecoder().decode(KeyHandleResponse.self, from: Data(loaded.body.utf8)).keyHandle
        let algorithm = try await keyd.curl("POST", "/parameters/algorithm?\(api)", body: #"{"keyHandle":"\#(pairHandle.rawValue)"}"#)
        #expect(algorithm.status == 200)
        #expect(algorithm.body == #"{"value":"ECDSA"}"#)
        let ecdsa = try await keyd.curl(
            "POST", "/sign?\(api)",
            body: #"{"keyHandle":"\#(pairHandle.rawValue)","algorithm":"ECDSA","parameters":{"digest":"\#(Data(repeating: 1, count: 32).base64EncodedString())"}}"#
        )
        #expect(ecdsa.status == 200)
        let deleted = try await keyd.curl("DELETE", "/keypair?\(api)", body: #"{"keyHandle":"\#(pairHandle.rawValue)"}"#)
        #expect(deleted.status == 204)
        #expect(deleted.body.isEmpty)
        let notFound = try await keyd.curl("GET", "/keypair/server?\(api)")
        #expect(notFound.status == 400)
        #expect(errorMessage(notFound.body) == "parameter \"id\" has an invalid value\ncaused by: not found")
    }

    @Test("the log never holds key bytes, handle signatures or payloads")
    func logsHoldNoSecrets() async throws {
        let keyd = try await KeydTestServer.start()
        defer { Task { await keyd.stop() } }
        let client = keyd.client
        let keyBytes = Data("0123456789abcdef0123456789abcdef".utf8)
        let handle = try await client.importKey(id: "k", bytes: keyBytes, usage: [.sign, .encrypt])
        let derived = try await client.createDerivedKey(base: handle, derivationData: Data("d".utf8))
        let exported = try await client.exportDerivedKey(derived)
        _ = try await client.sign(handle, .hmacSHA256(message: Data("m".utf8)))
        _ = await keyClientError { _ = try await client.sign(KeyHandle(handle.rawValue + "x"), .hmacSHA256(message: Data())) }
        _ = await keyClientError { _ = try await client.decrypt(handle, .aead(iv: Data(count: 12), aad: Data()), ciphertext: Data(count: 20)) }
        let validationKey = try #require(FileManager.default.contents(atPath: keyd.keyFile("handle-validation-key")))
        let secrets = [
            keyBytes.base64EncodedString(), String(decoding: keyBytes, as: UTF8.self), exported.base64EncodedString(),
            validationKey.base64EncodedString(),
        ] + [handle, derived].flatMap { $0.rawValue.split(separator: "&").map(String.init) }
        let lines = keyd.logs.all
        #expect(lines.contains { $0.contains("!!! parameter \"handle\" has an invalid value") })
        for line in lines {
            for secret in secrets {
                #expect(!line.contains(secret), "\(line)")
            }
        }
    }
}
