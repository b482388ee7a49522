import Crypto
import AziotClients
import Foundation
import NIOHTTP1
import Testing

@testable import KeyService

@Suite("AES-GCM with IVs shorter than 12 bytes (accepted by keyd through OpenSSL)")
struct ShortIVGCMTests {
    static func hex(_ text: String) -> [UInt8] {
        var bytes: [UInt8] = []
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2)
            bytes.append(UInt8(text[index..<next], radix: 16)!)
            index = next
        }
        return bytes
    }

    @Test("McGrew–Viega test case 17 (AES-256, 8-byte IV)")
    func knownAnswer() throws {
        let key = SymmetricKey(data: Self.hex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308"))
        let plaintext = Self.hex(
            "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39"
        )
        let aad = Self.hex("feedfacedeadbeeffeedfacedeadbeefabaddad2")
        let iv = Self.hex("cafebabefacedbad")
        let (ciphertext, tag) = try GCMWithShortIV.seal(key: key, iv: iv, aad: aad, plaintext: plaintext)
        #expect(
            ciphertext
                == Self.hex(
                    "c3762df1ca787d32ae47c13bf19844cbaf1ae14d0b976afac52ff7d79bba9de0feb582d33934a4f0954cc2363bc73f7862ac430e64abe499f47c9b1f"
                )
        )
        #expect(tag == Self.hex("3a337dbf46a792c45e454913fe2ea8f2"))
        #expect(try GCMWithShortIV.open(key: key, iv: iv, aad: aad, ciphertext: ciphertext, tag: tag) == plaintext)
        var badTag = tag
        badTag[15] ^= 1
        #expect(try GCMWithShortIV.open(key: key, iv: iv, aad: aad, ciphertext: ciphertext, tag: badTag) == nil)
    }

    @Test("the same construction agrees with swift-crypto's AES.GCM for 12-, 16- and 40-byte IVs")
    func agreesWithSwiftCrypto() throws {
        let key = SymmetricKey(data: (0..<32).map { UInt8($0 ^ 0x5C) })
        for ivLength in [12, 16, 40] {
            for length in [0, 1, 15, 16, 17, 100] {
                let iv = (0..<ivLength).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ 1) }
                let plaintext = (0..<length).map { UInt8(truncatingIfNeeded: $0) }
                let aad = Array("aad \(length)".utf8)
                let (ciphertext, tag) = try GCMWithShortIV.seal(key: key, iv: iv, aad: aad, plaintext: plaintext)
                let box = try AES.GCM.seal(plaintext, using: key, nonce: AES.GCM.Nonce(data: iv), authenticating: aad)
                #expect(ciphertext == Array(box.ciphertext), "iv \(ivLength) length \(length)")
                #expect(tag == Array(box.tag), "iv \(ivLength) length \(length)")
            }
        }
    }

    @Test("keyd decrypts a ciphertext made by OpenSSL (pyca) with the 10-byte IV \"0123456789\", and round trips 1-byte IVs")
    func throughTheService() async throws {
        let keyd = try await KeydTestServer.start()
        defer { Task { await keyd.stop() } }
        let handle = try await keyd.client.importKey(id: "k", bytes: Data(0..<32), usage: [.encrypt])
        // AESGCM from Python's cryptography package (OpenSSL) with key 00..1f, IV "0123456789", AAD "edgeHub",
        // written in keyd's v2 layout.
        let fixture = try #require(Data(base64Encoded: "AqZedmVUaaEIiVHE5HVVYPyw1xz3cnZuGfAeJQTGvMgEi1kNSFk1j/J9d5j9XN7m6sID6tz2uTbKUpA+"))
        let mechanism = KeyEncryptMechanism.aead(iv: Data("0123456789".utf8), aad: Data("edgeHub".utf8))
        let plaintext = try await keyd.client.decrypt(handle, mechanism, ciphertext: fixture)
        #expect(plaintext == Data("stored by a module through the workload API".utf8))
        #expect(try await keyd.client.encrypt(handle, mechanism, plaintext: plaintext) == fixture)

        let tiny = KeyEncryptMechanism.aead(iv: Data("b".utf8), aad: Data())
        let ciphertext = try await keyd.client.encrypt(handle, tiny, plaintext: Data("x".utf8))
        #expect(try await keyd.client.decrypt(handle, tiny, ciphertext: ciphertext) == Data("x".utf8))
        let empty = await keyClientError { _ = try await keyd.client.encrypt(handle, .aead(iv: Data(), aad: Data()), plaintext: Data([1])) }
        #expect(empty?.status == .badRequest)
    }
}
