import AziotClients
import Crypto
import Foundation
import KeyService
import NIOCore
import NIOHTTP1
import UnixSocketHTTP
import Testing

@Suite("Key handles: format, signature, tampering, restarts")
struct KeyHandleTests {
    @Test("sr is compact JSON {key_id, 64-byte nonce} and sig is HMAC-SHA256 under handle-validation-key")
    func format() async throws {
        let keyd = try await KeydTestServer.start()
        defer { Task { await keyd.stop() } }
        let handle = try await keyd.client.createKey(id: "k/1", usage: [.sign])
        let parts = handle.rawValue.split(separator: "&").map(String.init)
        #expect(parts.count == 2 && parts[0].hasPrefix("sr=") && parts[1].hasPrefix("sig="))
        let sr = try #require(Data(base64Encoded: String(parts[0].dropFirst(3))))
        let sig = try #require(Data(base64Encoded: String(parts[1].dropFirst(4))))
        let json = String(decoding: sr, as: UTF8.self)
        #expect(json.hasPrefix(#"{"key_id":{"Key":"k/1"},"nonce":""#), "\(json)")
        let object = try #require(try JSONSerialization.jsonObject(with: sr) as? [String: Any])
        let nonceText = try #require(object["nonce"] as? String)
        let nonce = try #require(Data(base64Encoded: nonceText))
        #expect(nonce.count == 64)
        let validationKey = try #require(FileManager.default.contents(atPath: keyd.keyFile("handle-validation-key")))
        #expect(validationKey.count == 32)
        #expect(sig == Data(HMAC<SHA256>.authenticationCode(for: sr, using: SymmetricKey(data: validationKey))))

        // A fresh nonce on every load.
        let again = try await keyd.client.loadKey(id: "k/1")
        #expect(again != handle)

        // Key pair and derived subjects.
        let pair = try await keyd.client.createKeyPair(id: "p")
        #expect(try Self.payload(pair).hasPrefix(#"{"key_id":{"KeyPair":"p"},"nonce":""#))
        let derived = try await keyd.client.createDerivedKey(base: handle, derivationData: Data([0, 1, 255]))
        #expect(try Self.payload(derived).hasPrefix(#"{"key_id":{"Derived":["\#(handle.rawValue)",[0,1,255]]},"nonce":""#))
    }

    static func payload(_ handle: KeyHandle) throws -> String {
        let sr = try #require(handle.rawValue.split(separator: "&").first)
        return String(decoding: try #require(Data(base64Encoded: String(sr.dropFirst(3)))), as: UTF8.self)
    }

    @Test("flipping a byte in sr or in sig, or mangling the handle, gives 400 invalid handle")
    func tampering() async throws {
        let keyd = try await KeydTestServer.start()
        defer { Task { await keyd.stop() } }
        let client = keyd.client
        let handle = try await client.createKey(id: "k", usage: [.sign])
        let parts = handle.rawValue.split(separator: "&").map(String.init)
        var sr = try #require(Data(base64Encoded: String(parts[0].dropFirst(3))))
        sr[10] ^= 0x01
        var sig = try #require(Data(base64Encoded: String(parts[1].dropFirst(4))))
        sig[0] ^= 0x80
        let bad = [
            "sr=\(sr.base64EncodedString())&\(parts[1])",
            "\(parts[0])&sig=\(sig.base64EncodedString())",
            parts[0],
            parts[1],
            "\(parts[0])&sig=!!!",
            "",
            "garbage",
        ]
        for raw in bad {
            let error = await keyClientError { _ = try await client.sign(KeyHandle(raw), .hmacSHA256(message: Data([1]))) }
            #expect(error?.status == .badRequest)
            #expect(error?.message == "parameter \"handle\" has an invalid value\ncaused by: invalid handle")
        }
        // The same through curl, on another endpoint.
        let response = try await keyd.curl(
            "POST", "/parameters/algorithm?api-version=2020-09-01", body: #"{"keyHandle":"sr=\#(sr.base64EncodedString())&\#(parts[1])"}"#
        )
        #expect(response.status == 400)
        #expect(errorMessage(response.body) == "parameter \"handle\" has an invalid value\ncaused by: invalid handle")
        // A derived handle over a tampered base is refused too.
        let derivedOverBad = await keyClientError {
            _ = try await client.createDerivedKey(base: KeyHandle("sr=\(sr.base64EncodedString())&\(parts[1])"), derivationData: Data([1]))
        }
        #expect(derivedOverBad?.status == .badRequest)
    }

    @Test("keys and handles survive a restart; a new validation key invalidates old handles")
    func restart() async throws {
        let first = try await KeydTestServer.start()
        let key = try await first.client.createKey(id: "aziot_identityd_master_id", usage: [.derive, .sign])
        let pair = try await first.client.createKeyPair(id: "device-id")
        let message = Data("hello".utf8)
        let before = try await first.client.sign(key, .hmacSHA256(message: message))
        await first.stopKeepingFiles()

        let second = try await KeydTestServer.start(in: first.directory)
        defer { Task { await second.stop() } }
        #expect(try await second.client.sign(key, .hmacSHA256(message: message)) == before)
        #expect(try await second.client.keyPairParameter(.algorithm, of: pair) == "ECDSA")
        let reloaded = try await second.client.loadKey(id: "aziot_identityd_master_id")
        #expect(try await second.client.sign(reloaded, .hmacSHA256(message: message)) == before)

        try FileManager.default.removeItem(atPath: second.keyFile("handle-validation-key"))
        let stale = await keyClientError { _ = try await second.client.sign(key, .hmacSHA256(message: message)) }
        #expect(stale?.status == .badRequest)
    }

    @Test("delete needs only a valid handle, not a principal entry")
    func deleteByHandle() async throws {
        let keyd = try await KeydTestServer.start(socketMode: 0o666)
        defer { Task { await keyd.stop() } }
        let handle = try await keyd.client.createKey(id: "root-only", usage: [.sign])
        let response = try await keyd.curl("DELETE", "/key?api-version=2021-05-01", body: #"{"keyHandle":"\#(handle.rawValue)"}"#, uid: 4321)
        #expect(response.status == 204, "\(response.body)")
        #expect(!FileManager.default.fileExists(atPath: keyd.keyFile("root-only")))
    }

    @Test("a handle built by hand in the reference's serde form (as keyd 1.x minted them) is accepted")
    func externallyMintedHandle() async throws {
        let keyd = try await KeydTestServer.start()
        defer { Task { await keyd.stop() } }
        let master = Data(repeating: 0x42, count: 32)
        _ = try await keyd.client.importKey(id: "aziot_identityd_master_id", bytes: master, usage: [.derive, .sign])
        let validationKey = SymmetricKey(data: try #require(FileManager.default.contents(atPath: keyd.keyFile("handle-validation-key"))))
        func handle(_ payload: String) -> KeyHandle {
            let sr = Data(payload.utf8)
            let sig = Data(HMAC<SHA256>.authenticationCode(for: sr, using: validationKey))
            return KeyHandle("sr=\(sr.base64EncodedString())&sig=\(sig.base64EncodedString())")
        }
        let nonce = Data(repeating: 1, count: 64).base64EncodedString()
        let base = handle(#"{"key_id":{"Key":"aziot_identityd_master_id"},"nonce":"\#(nonce)"}"#)
        let derived = handle(#"{"key_id":{"Derived":["\#(base.rawValue)",[109,111,100,49]]},"nonce":"\#(nonce)"}"#)
        let exported = try await keyd.client.exportDerivedKey(derived)
        #expect(exported == Data(HMAC<SHA256>.authenticationCode(for: Data("mod1".utf8), using: SymmetricKey(data: master))))
        // A derived handle whose base is derived is refused when used, not only when created.
        let nested = handle(#"{"key_id":{"Derived":["\#(derived.rawValue)",[1]]},"nonce":"\#(nonce)"}"#)
        let error = await keyClientError { _ = try await keyd.client.exportDerivedKey(nested) }
        #expect(error?.message == "parameter \"handle\" has an invalid value\ncaused by: nested derived keys are not supported, import the outer derived key first")
    }
}
