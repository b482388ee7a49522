import AziotClients
import Crypto
import Foundation
import KeyService
import NIOCore
import NIOHTTP1
import UnixSocketHTTP
import Testing

@Suite("Symmetric keys: files, create/import/load/delete, HMAC, derivation, AEAD")
struct SymmetricKeyTests {
    @Test("aziot_identityd_master_id lands at keys/aziotidentitydmasterid-<sha256>.key as 32 raw bytes, mode 0600")
    func fileNaming() async throws {
        let keyd = try await KeydTestServer.start()
        defer { Task { await keyd.stop() } }
        _ = try await keyd.client.createKey(id: "aziot_identityd_master_id", usage: [.derive, .sign])
        let expected = keyd.homedir + "/keys/aziotidentitydmasterid-"
            + "\(SHA256.hash(data: Data("aziot_identityd_master_id".utf8)).map { String(format: "%02x", $0) }.joined()).key"
        #expect(keyd.keyFile("aziot_identityd_master_id") == expected)
        let bytes = try #require(FileManager.default.contents(atPath: expected))
        #expect(bytes.count == 32)
        let mode = try #require(try FileManager.default.attributesOfItem(atPath: expected)[.posixPermissions] as? Int)
        #expect(mode == 0o600)
        // The handle validation key went through the same store.
        #expect(FileManager.default.fileExists(atPath: keyd.keyFile("handle-validation-key")))
        let files = try FileManager.default.contentsOfDirectory(atPath: keyd.homedir + "/keys").sorted()
        #expect(files == [KeydTestServer.fileName("aziot_identityd_master_id"), KeydTestServer.fileName("handle-validation-key")].sorted())
    }

    @Test("create keeps an existing key, replaces an empty file; import overwrites; load and delete")
    func lifecycle() async throws {
        let keyd = try await KeydTestServer.start()
        defer { Task { await keyd.stop() } }
        let client = keyd.client
        _ = try await client.createKey(id: "k", usage: [.sign])
        let first = try #require(FileManager.default.contents(atPath: keyd.keyFile("k")))
        _ = try await client.createKey(id: "k", usage: [.sign])
        #expect(FileManager.default.contents(atPath: keyd.keyFile("k")) == first)

        try Data().write(to: URL(fileURLWithPath: keyd.keyFile("k")))
        _ = try await client.createKey(id: "k", usage: [.sign])
        #expect(FileManager.default.contents(atPath: keyd.keyFile("k"))?.count == 32)

        let imported = Data("an imported key of any length".utf8)
        _ = try await client.importKey(id: "k", bytes: imported, usage: [.sign])
        #expect(FileManager.default.contents(atPath: keyd.keyFile("k")) == imported)

        let handle = try await client.loadKey(id: "k")
        try await client.deleteKey(handle)
        #expect(!FileManager.default.fileExists(atPath: keyd.keyFile("k")))
        // Deleting again is fine (the file is already gone); loading is a 400 "not found".
        try await client.deleteKey(handle)
        let error = await keyClientError { _ = try await client.loadKey(id: "k") }
        #expect(error?.status == .badRequest)
        #expect(error?.message == "parameter \"id\" has an invalid value\ncaused by: not found")
    }

    @Test("a preloaded key is read from its file; import and delete act on that file")
    func preloadedKey() async throws {
        let secret = Data((0..<32).map { UInt8($0) })
        let path = try temporaryFile(secret)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let keyd = try await KeydTestServer.start(preloaded: ["device-id": .file(path: path)])
        defer { Task { await keyd.stop() } }
        let client = keyd.client
        let handle = try await client.loadKey(id: "device-id")
        let message = Data("resource\n1700000000".utf8)
        let signature = try await client.sign(handle, .hmacSHA256(message: message))
        #expect(signature == Data(HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: secret))))
        #expect(!FileManager.default.fileExists(atPath: keyd.keyFile("device-id")))

        _ = try await client.importKey(id: "device-id", bytes: Data("replaced".utf8), usage: [.sign])
        #expect(FileManager.default.contents(atPath: path) == Data("replaced".utf8))
        try await client.deleteKey(handle)
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test("HMAC-SHA256 signatures equal openssl's")
    func hmacMatchesOpenSSL() async throws {
        let keyd = try await KeydTestServer.start()
        defer { Task { await keyd.stop() } }
        let key = Data((0..<32).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) })
        let handle = try await keyd.client.importKey(id: "device-id", bytes: key, usage: [.sign])
        let message = Data("myhub.azure-devices.net%2Fdevices%2Fdev1\n1700000000".utf8)
        let signature = try await keyd.client.sign(handle, .hmacSHA256(message: message))
        let input = try temporaryFile(message)
        defer { try? FileManager.default.removeItem(atPath: input) }
        let hexKey = key.map { String(format: "%02x", $0) }.joined()
        let output = try await openssl(["dgst", "-sha256", "-mac", "HMAC", "-macopt", "hexkey:\(hexKey)", "-hex", input])
        let expected = try #require(output.split(separator: " ").last).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(signature.map { String(format: "%02x", $0) }.joined() == expected)
    }

    @Test("derived keys: export = HMAC-SHA256(master, data); sign with the derived key; nested derivation refused")
    func derivedKeys() async throws {
        let keyd = try await KeydTestServer.start()
        defer { Task { await keyd.stop() } }
        let client = keyd.client
        let master = Data((0..<32).map { UInt8(255 - $0) })
        let base = try await client.importKey(id: "aziot_identityd_master_id", bytes: master, usage: [.derive, .sign])
        let derivationData = Data("mod1:637000000000000000:primary".utf8)
        let derived = try await client.createDerivedKey(base: base, derivationData: derivationData)
        let exported = try await client.exportDerivedKey(derived)
        let expected = Data(HMAC<SHA256>.authenticationCode(for: derivationData, using: SymmetricKey(data: master)))
        #expect(exported == expected)

        let message = Data("sas string".utf8)
        let signature = try await client.sign(derived, .hmacSHA256(message: message))
        #expect(signature == Data(HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: expected))))

        let nested = await keyClientError { _ = try await client.createDerivedKey(base: derived, derivationData: Data([1])) }
        #expect(nested?.status == .badRequest)
        #expect(
            nested?.message
                == "parameter \"handle\" has an invalid value\ncaused by: nested derived keys are not supported, import the outer derived key first"
        )
        let notDerived = await keyClientError { _ = try await client.exportDerivedKey(base) }
        #expect(notDerived?.status == .badRequest)
    }

    @Test("AEAD: v2 output is 0x02 ‖ AES-256-GCM ciphertext ‖ tag, round trips, and v1 input decrypts")
    func aead() async throws {
        let keyd = try await KeydTestServer.start()
        defer { Task { await keyd.stop() } }
        let client = keyd.client
        let keyBytes = Data((0..<32).map { UInt8($0 * 3) })
        let handle = try await client.importKey(id: "edgelet-master", bytes: keyBytes, usage: [.encrypt])
        let iv = Data((0..<16).map { UInt8($0) })
        let aad = Data("module-1".utf8)
        let plaintext = Data("a secret of 29 bytes, or so..".utf8)
        let ciphertext = try await client.encrypt(handle, .aead(iv: iv, aad: aad), plaintext: plaintext)
        #expect(ciphertext.count == 1 + plaintext.count + 16)
        #expect(ciphertext.first == 0x02)
        // Independently: the middle is AES-256-GCM ciphertext, the end the tag.
        let box = try AES.GCM.SealedBox(nonce: AES.GCM.Nonce(data: iv), ciphertext: ciphertext.dropFirst().dropLast(16), tag: ciphertext.suffix(16))
        #expect(try AES.GCM.open(box, using: SymmetricKey(data: keyBytes), authenticating: aad) == plaintext)
        #expect(try await client.decrypt(handle, .aead(iv: iv, aad: aad), ciphertext: ciphertext) == plaintext)

        // IoT Edge 1.1's v1 layout: 0x01 ‖ tag ‖ ciphertext, made here with swift-crypto directly.
        let nonce = try AES.GCM.Nonce(data: Data(repeating: 9, count: 12))
        let sealed = try AES.GCM.seal(plaintext, using: SymmetricKey(data: keyBytes), nonce: nonce, authenticating: aad)
        let v1 = Data([0x01]) + sealed.tag + sealed.ciphertext
        #expect(try await client.decrypt(handle, .aead(iv: Data(repeating: 9, count: 12), aad: aad), ciphertext: v1) == plaintext)

        // Tampering, wrong AAD, too short, unknown version: 400.
        var tampered = ciphertext
        tampered[3] ^= 0x40
        for (bad, badAAD) in [(tampered, aad), (ciphertext, Data("other".utf8)), (Data([0x02]) + Data(repeating: 0, count: 15), aad), (Data([0x03]) + ciphertext.dropFirst(), aad)] {
            let error = await keyClientError { _ = try await client.decrypt(handle, .aead(iv: iv, aad: badAAD), ciphertext: bad) }
            #expect(error?.status == .badRequest, "\(String(describing: error))")
            #expect(error?.message.hasPrefix("parameter \"ciphertext\" has an invalid value\ncaused by: ") == true)
        }
    }

    @Test("AEAD with a derived handle uses the derived 32 bytes as the AES key")
    func derivedAEAD() async throws {
        let keyd = try await KeydTestServer.start()
        defer { Task { await keyd.stop() } }
        let client = keyd.client
        let master = try await client.createKey(id: "master", usage: [.derive])
        let derivationData = Data("workload:module-a".utf8)
        let derived = try await client.createDerivedKey(base: master, derivationData: derivationData)
        let iv = Data(repeating: 0x5A, count: 12)
        let plaintext = Data("derived round trip".utf8)
        let ciphertext = try await client.encrypt(derived, .aead(iv: iv, aad: Data()), plaintext: plaintext)
        #expect(try await client.decrypt(derived, .aead(iv: iv, aad: Data()), ciphertext: ciphertext) == plaintext)
        // The key really is the exported derived key.
        let key = try await client.exportDerivedKey(derived)
        let box = try AES.GCM.SealedBox(nonce: AES.GCM.Nonce(data: iv), ciphertext: ciphertext.dropFirst().dropLast(16), tag: ciphertext.suffix(16))
        #expect(try AES.GCM.open(box, using: SymmetricKey(data: key), authenticating: Data()) == plaintext)
        // The base key cannot open it.
        let error = await keyClientError { _ = try await client.decrypt(master, .aead(iv: iv, aad: Data()), ciphertext: ciphertext) }
        #expect(error?.status == .badRequest)
    }
}
