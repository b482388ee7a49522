import AziotClients
import Crypto
import Foundation
import KeyService
import NIOCore
import NIOHTTP1
import UnixSocketHTTP
import MQTTTestSupport
import Testing

@Suite("Key pairs: create/load/move/delete, parameters, ECDSA and RSA checked with openssl")
struct KeyPairTests {
    @Test("EC P-256 (the default): PKCS#8 file, parameters match openssl, ECDSA signature verifies with openssl")
    func ecdsa() async throws {
        let keyd = try await KeydTestServer.start()
        defer { Task { await keyd.stop() } }
        let client = keyd.client
        let handle = try await client.createKeyPair(id: "device-id")
        let file = keyd.keyFile("device-id")
        let pem = try String(contentsOfFile: file, encoding: .utf8)
        #expect(pem.hasPrefix("-----BEGIN PRIVATE KEY-----\n"))
        let text = try await openssl(["pkey", "-in", file, "-noout", "-text"])
        #expect(text.contains("prime256v1"), "\(text)")

        #expect(try await client.keyPairParameter(.algorithm, of: handle) == "ECDSA")
        let oid = try #require(Data(base64Encoded: try await client.keyPairParameter(.ecCurveOID, of: handle)))
        #expect(oid == Data([0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07]))
        let point = try #require(Data(base64Encoded: try await client.keyPairParameter(.ecPoint, of: handle)))
        #expect(point.count == 33 && (point.first == 0x02 || point.first == 0x03))
        let derFile = file + ".pub.der"
        try await openssl(["ec", "-in", file, "-pubout", "-conv_form", "compressed", "-outform", "DER", "-out", derFile])
        #expect(try Data(contentsOf: URL(fileURLWithPath: derFile)).suffix(33) == point)

        let message = Data("to be signed by the device key".utf8)
        let signature = try await client.sign(handle, .ecdsa(digest: Data(SHA256.hash(data: message))))
        let publicKey = try temporaryFile(Data(PublicKeyPEM.ec(curveOIDDER: oid, point: point).utf8), suffix: ".pem")
        let messageFile = try temporaryFile(message)
        let signatureFile = try temporaryFile(signature)
        defer { for path in [publicKey, messageFile, signatureFile] { try? FileManager.default.removeItem(atPath: path) } }
        let verified = try await openssl(["dgst", "-sha256", "-verify", publicKey, "-signature", signatureFile, messageFile])
        #expect(verified.contains("Verified OK"))
        // And a wrong message does not verify.
        let wrong = try await ChildProcess.run("openssl", ["dgst", "-sha256", "-verify", publicKey, "-signature", signatureFile, publicKey])
        #expect(wrong.status != 0)
    }

    @Test("RSA-2048: modulus/exponent match openssl; RSA-PKCS1 over a DigestInfo and RSA-NO-PADDING verify with openssl")
    func rsa() async throws {
        let keyd = try await KeydTestServer.start()
        defer { Task { await keyd.stop() } }
        let client = keyd.client
        let handle = try await client.createKeyPair(id: "identity", preferredAlgorithms: "unknown:rsa-2048:ec-p256")
        let file = keyd.keyFile("identity")
        #expect(try String(contentsOfFile: file, encoding: .utf8).hasPrefix("-----BEGIN PRIVATE KEY-----\n"))
        #expect(try await client.keyPairParameter(.algorithm, of: handle) == "RSA")
        let modulus = try #require(Data(base64Encoded: try await client.keyPairParameter(.rsaModulus, of: handle)))
        let exponent = try #require(Data(base64Encoded: try await client.keyPairParameter(.rsaExponent, of: handle)))
        #expect(modulus.count == 256)
        #expect(exponent == Data([0x01, 0x00, 0x01]))
        let opensslModulus = try await openssl(["rsa", "-in", file, "-noout", "-modulus"])
        #expect(opensslModulus.trimmingCharacters(in: .whitespacesAndNewlines) == "Modulus=" + modulus.map { String(format: "%02X", $0) }.joined())

        let publicKey = try temporaryFile(Data(PublicKeyPEM.rsa(modulus: modulus, exponent: exponent).utf8), suffix: ".pem")
        let message = Data("tls handshake transcript".utf8)
        let messageFile = try temporaryFile(message)
        let digestInfo = Data([0x30, 0x31, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20])
            + Data(SHA256.hash(data: message))
        let signature = try await client.encrypt(handle, .rsaPKCS1, plaintext: digestInfo)
        #expect(signature.count == 256)
        let signatureFile = try temporaryFile(signature)

        var block = Data([0x00]) + Data((1..<256).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        block[1] = 0x7F
        let raw = try await client.encrypt(handle, .rsaNoPadding, plaintext: block)
        #expect(raw.count == 256)
        let rawFile = try temporaryFile(raw)
        let recoveredFile = rawFile + ".recovered"
        defer { for path in [publicKey, messageFile, signatureFile, rawFile, recoveredFile] { try? FileManager.default.removeItem(atPath: path) } }

        let verified = try await openssl(["dgst", "-sha256", "-verify", publicKey, "-signature", signatureFile, messageFile])
        #expect(verified.contains("Verified OK"))
        try await openssl([
            "pkeyutl", "-verifyrecover", "-pubin", "-inkey", publicKey, "-pkeyopt", "rsa_padding_mode:none", "-in", rawFile, "-out", recoveredFile,
        ])
        #expect(try Data(contentsOf: URL(fileURLWithPath: recoveredFile)) == block)

        // Inputs the operations cannot take: 400.
        let tooLong = await keyClientError { _ = try await client.encrypt(handle, .rsaPKCS1, plaintext: Data(repeating: 1, count: 246)) }
        #expect(tooLong?.status == .badRequest)
        let wrongSize = await keyClientError { _ = try await client.encrypt(handle, .rsaNoPadding, plaintext: Data(repeating: 1, count: 255)) }
        #expect(wrongSize?.status == .badRequest)
        let aboveModulus = await keyClientError { _ = try await client.encrypt(handle, .rsaNoPadding, plaintext: Data(repeating: 0xFF, count: 256)) }
        #expect(aboveModulus?.status == .badRequest)
    }

    @Test("rsa-4096 makes a 4096-bit key with e = 65537 whose PKCS1 signatures verify")
    func rsa4096() async throws {
        let keyd = try await KeydTestServer.start()
        defer { Task { await keyd.stop() } }
        let handle = try await keyd.client.createKeyPair(id: "est-id", preferredAlgorithms: "rsa-4096:ec-p256")
        let modulus = try #require(Data(base64Encoded: try await keyd.client.keyPairParameter(.rsaModulus, of: handle)))
        let exponent = try #require(Data(base64Encoded: try await keyd.client.keyPairParameter(.rsaExponent, of: handle)))
        #expect(modulus.count == 512)
        #expect(exponent == Data([0x01, 0x00, 0x01]))
        let message = Data("est".utf8)
        let digestInfo = Data([0x30, 0x31, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20])
            + Data(SHA256.hash(data: message))
        let signature = try await keyd.client.encrypt(handle, .rsaPKCS1, plaintext: digestInfo)
        #expect(signature.count == 512)
        let publicKey = try temporaryFile(Data(PublicKeyPEM.rsa(modulus: modulus, exponent: exponent).utf8), suffix: ".pem")
        let messageFile = try temporaryFile(message)
        let signatureFile = try temporaryFile(signature)
        defer { for path in [publicKey, messageFile, signatureFile] { try? FileManager.default.removeItem(atPath: path) } }
        #expect(try await openssl(["dgst", "-sha256", "-verify", publicKey, "-signature", signatureFile, messageFile]).contains("Verified OK"))
    }

    @Test("create keeps an existing pair and regenerates a malformed file; preferredAlgorithms with nothing usable is a 400")
    func createIfNotExists() async throws {
        let keyd = try await KeydTestServer.start()
        defer { Task { await keyd.stop() } }
        let client = keyd.client
        _ = try await client.createKeyPair(id: "p", preferredAlgorithms: "*")
        let first = try #require(FileManager.default.contents(atPath: keyd.keyFile("p")))
        _ = try await client.createKeyPair(id: "p", preferredAlgorithms: "rsa-2048")
        #expect(FileManager.default.contents(atPath: keyd.keyFile("p")) == first)
        try Data("not a key".utf8).write(to: URL(fileURLWithPath: keyd.keyFile("p")))
        let handle = try await client.createKeyPair(id: "p")
        #expect(FileManager.default.contents(atPath: keyd.keyFile("p")) != Data("not a key".utf8))
        #expect(try await client.keyPairParameter(.algorithm, of: handle) == "ECDSA")

        let none = await keyClientError { _ = try await client.createKeyPair(id: "q", preferredAlgorithms: "dsa:ed25519") }
        #expect(none?.status == .badRequest)
        #expect(!FileManager.default.fileExists(atPath: keyd.keyFile("q")))
    }

    @Test("move renames the file over the destination; identical ids, /key moves and missing sources are 400s; delete")
    func moveAndDelete() async throws {
        let keyd = try await KeydTestServer.start()
        defer { Task { await keyd.stop() } }
        let client = keyd.client
        let old = try await client.createKeyPair(id: "device-id")
        _ = try await client.createKeyPair(id: "device-id-temp")
        let temporary = try #require(FileManager.default.contents(atPath: keyd.keyFile("device-id-temp")))
        try await client.moveKeyPair(from: "device-id-temp", to: "device-id")
        #expect(FileManager.default.contents(atPath: keyd.keyFile("device-id")) == temporary)
        #expect(!FileManager.default.fileExists(atPath: keyd.keyFile("device-id-temp")))
        // The old handle names the id, so it now reaches the moved key.
        let point = try await client.keyPairParameter(.ecPoint, of: old)
        #expect(point == (try await client.keyPairParameter(.ecPoint, of: try await client.loadKeyPair(id: "device-id"))))

        let missing = await keyClientError { try await client.moveKeyPair(from: "device-id-temp", to: "device-id") }
        #expect(missing?.status == .badRequest)
        let identical = await keyClientError { try await client.moveKeyPair(from: "device-id", to: "device-id") }
        #expect(identical?.status == .badRequest)
        #expect(identical?.message == "source and destination for move are identical")
        let onKey = try await keyd.curl("POST", "/key/device-id?api-version=2021-05-01", body: #"{"from":"other"}"#)
        #expect(onKey.status == 400)
        #expect(errorMessage(onKey.body) == "invalid type \"key\"")
        let identicalCurl = try await keyd.curl("POST", "/keypair/x%20y?api-version=2021-05-01", body: #"{"from":"x y"}"#)
        #expect(identicalCurl.status == 400)
        #expect(errorMessage(identicalCurl.body) == "source and destination for move are identical")

        let handle = try await client.loadKeyPair(id: "device-id")
        try await client.deleteKeyPair(handle)
        #expect(!FileManager.default.fileExists(atPath: keyd.keyFile("device-id")))
        let gone = await keyClientError { _ = try await client.loadKeyPair(id: "device-id") }
        #expect(gone?.status == .badRequest)
        #expect(gone?.message == "parameter \"id\" has an invalid value\ncaused by: not found")
        // A key handle is not a key pair handle, and vice versa.
        let symmetric = try await client.createKey(id: "sym", usage: [.sign])
        let wrongDelete = await keyClientError { try await client.deleteKeyPair(symmetric) }
        #expect(wrongDelete?.status == .badRequest)
        let pair = try await client.createKeyPair(id: "pair")
        let wrongDeleteKey = await keyClientError { try await client.deleteKey(pair) }
        #expect(wrongDeleteKey?.status == .badRequest)
    }

    @Test("a mechanism the key cannot do, or a parameter of the other key type, is a 400")
    func mechanismMismatch() async throws {
        let keyd = try await KeydTestServer.start()
        defer { Task { await keyd.stop() } }
        let client = keyd.client
        let ec = try await client.createKeyPair(id: "ec", preferredAlgorithms: "ec-p256")
        let rsa = try await client.createKeyPair(id: "rsa", preferredAlgorithms: "rsa-2048")
        let key = try await client.createKey(id: "sym", usage: [.sign, .encrypt])
        let derived = try await client.createDerivedKey(base: key, derivationData: Data([1, 2, 3]))
        let digest = Data(repeating: 7, count: 32)
        let aead = KeyEncryptMechanism.aead(iv: Data(repeating: 0, count: 12), aad: Data())
        let mismatches: [(String, () async throws -> Void)] = [
            ("EC with RSA-PKCS1", { _ = try await client.encrypt(ec, .rsaPKCS1, plaintext: digest) }),
            ("EC with RSA-NO-PADDING", { _ = try await client.encrypt(ec, .rsaNoPadding, plaintext: digest) }),
            ("RSA with ECDSA", { _ = try await client.sign(rsa, .ecdsa(digest: digest)) }),
            ("key pair with HMAC", { _ = try await client.sign(ec, .hmacSHA256(message: digest)) }),
            ("key pair with AEAD", { _ = try await client.encrypt(rsa, aead, plaintext: digest) }),
            ("key with ECDSA", { _ = try await client.sign(key, .ecdsa(digest: digest)) }),
            ("key with RSA-PKCS1", { _ = try await client.encrypt(key, .rsaPKCS1, plaintext: digest) }),
            ("derived with ECDSA", { _ = try await client.sign(derived, .ecdsa(digest: digest)) }),
            ("decrypt with RSA-PKCS1", { _ = try await client.decrypt(rsa, .rsaPKCS1, ciphertext: digest) }),
            ("decrypt AEAD with a key pair", { _ = try await client.decrypt(ec, aead, ciphertext: Data(repeating: 2, count: 40)) }),
        ]
        for (name, call) in mismatches {
            let error = await keyClientError(call)
            #expect(error?.status == .badRequest, "\(name)")
            #expect(error?.message == "parameter \"mechanism\" has an invalid value\ncaused by: mechanism cannot be used with this key type", "\(name)")
        }
        let wrongParameters: [(KeyPairParameter, KeyHandle)] = [(.ecPoint, rsa), (.ecCurveOID, rsa), (.rsaModulus, ec), (.rsaExponent, ec), ("bogus", ec), (.algorithm, key)]
        for (parameter, handle) in wrongParameters {
            let error = await keyClientError { _ = try await client.keyPairParameter(parameter, of: handle) }
            #expect(error?.status == .badRequest, "\(parameter.rawValue)")
        }
    }
}
