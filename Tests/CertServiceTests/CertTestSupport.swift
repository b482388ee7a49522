import _CryptoExtras
import CertService
import Crypto
import Foundation
import Logging
import MQTTTestSupport
import TOMLConfig
import X509

/// Private keys made by `openssl` (an independent tool) and held in memory, for testing the issuance logic on
/// its own; the end-to-end tests sign through a real keyd instead.
struct SoftwareKeys: IssuerKeySource {
    var keyPairs: [String: Certificate.PrivateKey] = [:]
    var handles: [String: Certificate.PrivateKey] = [:]

    struct Unknown: Error {}

    func privateKey(keyPairId: String) async throws -> Certificate.PrivateKey {
        guard let key = keyPairs[keyPairId] else { throw Unknown() }
        return key
    }

    func privateKey(handle: String) async throws -> Certificate.PrivateKey {
        guard let key = handles[handle] else { throw Unknown() }
        return key
    }
}

/// A temporary directory with helpers that shell out to openssl.
struct Workspace {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("certd-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> String { "\(path)/\(name)" }

    func write(_ name: String, _ text: String) throws {
        try text.write(toFile: file(name), atomically: true, encoding: .utf8)
    }

    func read(_ name: String) throws -> String { try String(contentsOfFile: file(name), encoding: .utf8) }

    @discardableResult
    func openssl(_ arguments: [String]) async throws -> String {
        let result = try await ChildProcess.run("openssl", arguments)
        guard result.status == 0 else { throw TestFailure("openssl \(arguments.joined(separator: " ")) failed: \(result.stderr)") }
        return result.stdout
    }

    /// An EC P-256 (or RSA when `rsa`) key made by openssl, as PEM file `name`.key.
    func makeKey(_ name: String, rsa: Bool = false) async throws -> Certificate.PrivateKey {
        if rsa {
            try await openssl(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", file("\(name).key")])
            return Certificate.PrivateKey(try _RSA.Signing.PrivateKey(pemRepresentation: try read("\(name).key")))
        }
        try await openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", file("\(name).key")])
        return Certificate.PrivateKey(try P256.Signing.PrivateKey(pemRepresentation: try read("\(name).key")))
    }

    /// A CSR made by openssl for key `name`.key, with extra `-addext` values.
    func makeCSR(_ name: String, subject: String, extensions: [String] = []) async throws -> String {
        var arguments = ["req", "-new", "-key", file("\(name).key"), "-subj", subject, "-out", file("\(name).csr")]
        for ext in extensions { arguments += ["-addext", ext] }
        try await openssl(arguments)
        return try read("\(name).csr")
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

func certdConfiguration(homedir: String, extra: String = "") throws -> CertdConfiguration {
    try CertdConfiguration(try ConfigTable(toml: "homedir_path = \"\(homedir)\"\n" + extra))
}

let quietLogger = Logger(label: "certd-test") { _ in SwiftLogNoOpLogHandler() }
