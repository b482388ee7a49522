import HubEmulatorTestSupport
import Crypto
import Foundation
@testable import IdentityService
import IoTHubProtocol
import Logging
import MQTTTestSupport
import TOMLConfig
import Testing

/// A temporary directory with identityd's home, the in-test key store and helpers to build configurations and
/// services.
struct IdentityFixture {
    let directory: String
    let keys = InTestKeyStore()

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("identityd-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    var homedir: String { directory + "/home" }

    func remove() { try? FileManager.default.removeItem(atPath: directory) }

    /// `hostname`, `homedir`, then `body`.
    func configuration(_ body: String) throws -> IdentitydConfiguration {
        try IdentitydConfiguration(try ConfigTable(toml: "hostname = \"my-device\"\nhomedir = \"\(homedir)\"\n\n" + body))
    }

    /// Manual SAS provisioning against the emulator with `principals` (TOML `[[principal]]` blocks).
    func manualConfiguration(deviceId: String = "device1", hub: String = "localhost", principals: String = "") throws -> IdentitydConfiguration {
        try configuration(
            """
            [provisioning]
            source = "manual"
            iothub_hostname = "\(hub)"
            device_id = "\(deviceId)"

            [provisioning.authentication]
            method = "sas"
            device_id_pk = "device-id"

            \(principals)
            """)
    }

    /// `[[principal]]` entries for module identities `names` (uids from 2001).
    static func modulePrincipals(_ names: [String]) -> String {
        names.enumerated().map { index, name in
            "[[principal]]\nuid = \(2001 + index)\nname = \"\(name)\"\nidtype = [\"module\"]\n"
        }.joined(separator: "\n")
    }

    /// Options that point identityd at the emulator, with short waits.
    func options(emulator: EmulatorHarness?, extraCA: [String] = [], hubPort: Int? = nil) -> IdentityServiceOptions {
        var cloud = CloudClientOptions(
            retryDelay: .milliseconds(50),
            throttleBackoff: [.milliseconds(100)],
            throttleJitter: [.zero],
            dpsPollInterval: .milliseconds(100),
            additionalTrustedCAFiles: (emulator.map { [$0.caPath] } ?? []) + extraCA,
            hubPort: hubPort ?? emulator?.httpsPort ?? 443
        )
        cloud.proxy = nil
        return IdentityServiceOptions(cloud: cloud)
    }

    func service(_ configuration: IdentitydConfiguration, options: IdentityServiceOptions, certs: any IdentityCertClient = NoCertd()) -> IdentityService {
        IdentityService(configuration: configuration, keyClient: keys, certClient: certs, options: options, logger: makeTestLogger(label: "identityd"))
    }

    /// A device key in the key store (`device-id`) and the same key on a new emulator device.
    @discardableResult
    func addDevice(_ deviceId: String, to emulator: EmulatorHarness, keyId: String = "device-id") async throws -> [UInt8] {
        let key = (0..<32).map { _ in UInt8.random(in: 0...255) }
        keys.setKey(keyId, key)
        try await emulator.addDevice(deviceId, key: key)
        return key
    }

    var store: IdentityStateStore { IdentityStateStore(homedir: homedir, logger: makeTestLogger(label: "store")) }
}

/// A certd stand-in for tests that never need certificates.
struct NoCertd: IdentityCertClient {
    struct Unavailable: Error {}
    func createCertificate(id: String, csrPEM: String) async throws -> String { throw Unavailable() }
    func getCertificate(id: String) async throws -> String { throw Unavailable() }
    func importCertificate(id: String, pem: String) async throws { throw Unavailable() }
    func deleteCertificate(id: String) async throws { throw Unavailable() }
}

/// HMAC-SHA256 as the tests compute it independently of identityd.
func hmacSHA256(key: [UInt8], _ message: String) -> [UInt8] {
    Array(HMAC<SHA256>.authenticationCode(for: Array(message.utf8), using: SymmetricKey(data: key)))
}

/// Runs `body`, which must throw, and returns the error (recording an issue otherwise). Call it on its own line, not
/// inside `#expect`.
func thrownError(sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> Void) async -> (any Error)? {
    do {
        try await body()
        Issue.record("expected an error, but nothing was thrown", sourceLocation: sourceLocation)
        return nil
    } catch {
        return error
    }
}
