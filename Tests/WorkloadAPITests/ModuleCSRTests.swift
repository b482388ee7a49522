import Foundation
import IoTHubProtocol
import MQTTTestSupport
import NIOHTTP1
import Testing
@testable import WorkloadAPI
import X509

@Suite("Module certificate requests and answers (§3.4): key, CSR, SANs, JSON")
struct ModuleCSRTests {
    @Test("a server CSR: fresh RSA-2048 PKCS#8 key, version 0, SHA-256, CN, EKU serverAuth then IP and DNS SANs (checked with openssl)")
    func serverCSR() async throws {
        let request = try ModuleCSR(commonName: "10.1.2.3", alternativeNames: [.ip("10.1.2.3"), .dns("modA")], usage: .serverAuth)
        let directory = try TemporaryDirectory()
        let csrPath = try directory.write("req.pem", request.csrPEM)
        let keyPath = try directory.write("key.pem", request.privateKeyPEM)

        #expect(request.privateKeyPEM.hasPrefix("-----BEGIN PRIVATE KEY-----\n"))
        #expect(request.privateKeyPEM.hasSuffix("-----END PRIVATE KEY-----\n"))
        let text = try await openssl(["req", "-in", csrPath, "-noout", "-text", "-verify"])
        #expect(text.contains("Version: 1 (0x0)"))
        #expect(text.contains("Subject: CN = 10.1.2.3"))
        #expect(text.contains("Public-Key: (2048 bit)"))
        #expect(text.contains("Signature Algorithm: sha256WithRSAEncryption"))
        #expect(text.contains("TLS Web Server Authentication"))
        #expect(text.contains("IP Address:10.1.2.3, DNS:modA"))
        let ekuIndex = try #require(text.range(of: "X509v3 Extended Key Usage")).lowerBound
        let sanIndex = try #require(text.range(of: "X509v3 Subject Alternative Name")).lowerBound
        #expect(ekuIndex < sanIndex)
        // The key is the CSR's key.
        let keyPublic = try await openssl(["pkey", "-in", keyPath, "-pubout"])
        let csrPublic = try await openssl(["req", "-in", csrPath, "-noout", "-pubkey"])
        #expect(keyPublic == csrPublic)
        #expect(try await openssl(["pkey", "-in", keyPath, "-noout", "-text"]).contains("Private-Key: (2048 bit"))

        // Every request gets a new key.
        let second = try ModuleCSR(commonName: "10.1.2.3", alternativeNames: [], usage: .serverAuth)
        #expect(second.privateKeyPEM != request.privateKeyPEM)
    }

    @Test("common names the reference's OpenSSL refuses (empty, over 64 characters) are 500 failed to generate csr subject")
    func commonNameLimits() throws {
        _ = try ModuleCSR(commonName: String(repeating: "é", count: 64), alternativeNames: [], usage: .clientAuth)
        for name in ["", String(repeating: "a", count: 65)] {
            do throws(WorkloadError) {
                _ = try ModuleCSR(commonName: name, alternativeNames: [], usage: .clientAuth)
                Issue.record("accepted a common name of \(name.count) characters")
            } catch {
                #expect(error == WorkloadError.internalError("failed to generate csr subject"))
                #expect(error.status.code == 500)
            }
        }
    }

    @Test("IP addresses are recognised as strictly as Rust's IpAddr parser")
    func ipAddresses() {
        #expect(ModuleCSR.ipAddressBytes("127.0.0.1") == [127, 0, 0, 1])
        #expect(ModuleCSR.ipAddressBytes("::1") == [UInt8](repeating: 0, count: 15) + [1])
        #expect(ModuleCSR.ipAddressBytes("fe80::1:2")?.count == 16)
        for text in ["localhost", "01.2.3.4", "1.2.3", "1.2.3.4.5", "256.1.1.1", "fe80::1%eth0", "", " 1.2.3.4", "[::1]"] {
            #expect(ModuleCSR.ipAddressBytes(text) == nil, "\(text)")
        }
    }

    @Test("the certificate answer: member order, PEM as plain text, expiration in RFC 3339 with +00:00")
    func certificateJSON() {
        let certificate = ModuleCertificate(
            privateKeyPEM: "-----BEGIN PRIVATE KEY-----\nAB/C+\n-----END PRIVATE KEY-----\n",
            certificatePEM: "-----BEGIN CERTIFICATE-----\nX/Y\n-----END CERTIFICATE-----\n",
            expiration: Date(timeIntervalSince1970: 1_767_225_600)  // 2026-01-01T00:00:00Z
        )
        #expect(
            certificate.jsonValue.jsonString
                == #"{"privateKey":{"type":"key","bytes":"-----BEGIN PRIVATE KEY-----\nAB/C+\n-----END PRIVATE KEY-----\n"},"#
                + #""certificate":"-----BEGIN CERTIFICATE-----\nX/Y\n-----END CERTIFICATE-----\n","expiration":"2026-01-01T00:00:00+00:00"}"#
        )
        #expect(ModuleCertificate.rfc3339(Date(timeIntervalSince1970: 951_782_405)) == "2000-02-29T00:00:05+00:00")
    }

    @Test("the secret AAD is module id then generation id, no separator (§3.3)")
    func aad() {
        #expect(WorkloadService.aad(moduleId: "$edgeHub", genId: "637") == Data("$edgeHub637".utf8))
        #expect(WorkloadAPI.containerName(ofModule: "$edgeHub") == "edgeHub")
        #expect(WorkloadAPI.containerName(ofModule: "$$x") == "x")
        #expect(WorkloadAPI.containerName(ofModule: "mod$") == "mod$")
    }
}

/// A directory removed when the value goes away.
final class TemporaryDirectory: @unchecked Sendable {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("workload-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        let file = "\(path)/\(name)"
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }

    @discardableResult
    func write(_ name: String, bytes: [UInt8]) throws -> String {
        let file = "\(path)/\(name)"
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        return file
    }
}

@discardableResult
func openssl(_ arguments: [String], stdinFile: String? = nil) async throws -> String {
    let result = try await ChildProcess.run("openssl", arguments, stdinFile: stdinFile)
    guard result.status == 0 else { throw TestFailure("openssl \(arguments.joined(separator: " ")) failed: \(result.stderr)\(result.stdout)") }
    return result.stdout + result.stderr
}
