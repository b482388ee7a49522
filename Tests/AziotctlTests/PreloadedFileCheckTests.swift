import EdgeConfigTool
import AziotConfig
import Foundation
import Testing
@testable import aziotctl

/// `config apply`'s warning for preloaded files the service user cannot read, checked as `nobody`.
@Suite("Preloaded files the service user cannot read")
struct PreloadedFileCheckTests {
    @Test("a file and every directory above it must be readable (directories also searchable) by the user")
    func readability() throws {
        guard let nobody = SystemUser.named("nobody"), nobody.uid != 0 else {
            Issue.record("this test needs the user nobody")
            return
        }
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("check-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: root + "/open/closed", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: root)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: root + "/open")
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: root + "/open/closed")

        let readable = root + "/open/cert.pem"
        #expect(FileManager.default.createFile(atPath: readable, contents: Data("x".utf8), attributes: [.posixPermissions: 0o644]))
        #expect(PreloadedFileCheck.problem(reading: readable, as: nobody) == nil)

        let secret = root + "/open/key.pem"
        #expect(FileManager.default.createFile(atPath: secret, contents: Data("x".utf8), attributes: [.posixPermissions: 0o600]))
        let owner = "\(getuid()):\(getgid())"
        #expect(PreloadedFileCheck.problem(reading: secret, as: nobody) == "the file has mode 0600, owner \(owner); make it readable by nobody")

        let hidden = root + "/open/closed/key.pem"
        #expect(FileManager.default.createFile(atPath: hidden, contents: Data("x".utf8), attributes: [.posixPermissions: 0o644]))
        #expect(PreloadedFileCheck.problem(reading: hidden, as: nobody)
            == "the directory \(root)/open/closed has mode 0700, owner \(owner); make it readable and searchable by nobody")

        #expect(PreloadedFileCheck.problem(reading: root + "/open/absent.pem", as: nobody)?.hasSuffix("cannot be examined: No such file or directory") == true)
        #expect(PreloadedFileCheck.problem(reading: secret, as: SystemUser(name: "root", uid: 0, gid: 0)) == nil)
    }

    @Test("the files checked: file:// keys for aziotks, certificates for aziotcs, the DPS payload for aziotid")
    func references() throws {
        let config = try SuperConfig(toml: """
            [provisioning]
            source = "dps"
            global_endpoint = "https://dps.example/"
            id_scope = "s"
            payload = { uri = "file:///etc/edge/payload.json" }

            [provisioning.attestation]
            method = "x509"
            identity_cert = "file:///etc/edge/device.pem"
            identity_pk = "pkcs11:slot-id=0;object=device"

            [preloaded_keys]
            backup = "file:///etc/edge/backup%20key.pem"

            [preloaded_certs]
            bundle = ["a", "b"]
            """)
        let output = try ConfigApply.run(config, .init(aziotcsUID: 1, aziotidUID: 2, machineHostname: "h"))
        let found = PreloadedFileCheck.references(in: output).map { "\($0.user) \($0.what) \($0.path)" }
        #expect(found == [
            "aziotks preloaded key backup /etc/edge/backup key.pem",
            "aziotcs preloaded certificate device-id /etc/edge/device.pem",
            "aziotid DPS payload /etc/edge/payload.json",
        ])
    }
}
