import Crypto
import Foundation
import IdentityService
import MQTTTestSupport
import Testing

/// SHA-256 hex, computed here independently of identityd.
func sha256Hex(_ text: String) -> String {
    SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
}

@Suite("identityd state files (§4.7): the reference's names and formats")
struct StateStoreTests {
    @Test("file names: device_info, prev_state, modules/<sha(hub)>-<sha(device)>/<alnum(module)>-<sha(module)>")
    func names() throws {
        let fixture = try IdentityFixture()
        defer { fixture.remove() }
        let store = fixture.store
        #expect(store.deviceInfoPath == fixture.homedir + "/device_info")
        #expect(store.prevStatePath == fixture.homedir + "/prev_state")
        #expect(store.deviceDirectory(hub: "hub.azure-devices.net", deviceId: "dev 1") ==
            "\(fixture.homedir)/modules/\(sha256Hex("hub.azure-devices.net"))-\(sha256Hex("dev 1"))")
        #expect(store.modulePath(hub: "h", deviceId: "d", moduleId: "$edge_Agent-1.x") ==
            "\(fixture.homedir)/modules/\(sha256Hex("h"))-\(sha256Hex("d"))/edgeAgent1x-\(sha256Hex("$edge_Agent-1.x"))")
    }

    @Test("device_info is the reference's TOML; `unprovisioned` is understood; an invalid file is deleted")
    func deviceInfo() throws {
        let fixture = try IdentityFixture()
        defer { fixture.remove() }
        let store = fixture.store
        try store.createHomeDirectory()
        #expect(store.readDeviceInfo() == nil)
        let info = DeviceInfo(hubName: "hub.azure-devices.net", localGatewayHostname: "hub.azure-devices.net", deviceId: "dev1")
        try store.writeDeviceInfo(info)
        #expect(try String(contentsOfFile: store.deviceInfoPath, encoding: .utf8) ==
            "hub_name = \"hub.azure-devices.net\"\nlocal_gateway_hostname = \"hub.azure-devices.net\"\ndevice_id = \"dev1\"\n")
        #expect(store.readDeviceInfo() == .device(info))
        // A file the reference wrote, with keys in another order and an extra key, reads the same.
        try "device_id = \"dev1\"\nhub_name = \"hub.azure-devices.net\"\nextra = 1\nlocal_gateway_hostname = \"hub.azure-devices.net\"\n"
            .write(toFile: store.deviceInfoPath, atomically: true, encoding: .utf8)
        #expect(store.readDeviceInfo() == .device(info))
        try "unprovisioned".write(toFile: store.deviceInfoPath, atomically: true, encoding: .utf8)
        #expect(store.readDeviceInfo() == .unprovisioned)
        try "hub_name = \"x\"\n".write(toFile: store.deviceInfoPath, atomically: true, encoding: .utf8)
        #expect(store.readDeviceInfo() == nil)
        #expect(!FileManager.default.fileExists(atPath: store.deviceInfoPath))
    }

    @Test("module backups are the module's JSON without keys; a new device's directory replaces every old one")
    func modules() throws {
        let fixture = try IdentityFixture()
        defer { fixture.remove() }
        let store = fixture.store
        try store.createHomeDirectory()
        store.prepareDevice(hub: "hub1", deviceId: "dev1")
        let module = HubModule(
            moduleId: "mod/1", deviceId: "dev1", managedBy: "me", generationId: "638000000000000001",
            authentication: .sas(primaryKey: [1, 2], secondaryKey: [3, 4]))
        store.writeModule(hub: "hub1", deviceId: "dev1", moduleId: "mod/1", module)
        let text = try String(contentsOfFile: store.modulePath(hub: "hub1", deviceId: "dev1", moduleId: "mod/1"), encoding: .utf8)
        #expect(text == #"{"moduleId":"mod/1","managedBy":"me","deviceId":"dev1","generationId":"638000000000000001"}"#)
        #expect(store.readModule(hub: "hub1", deviceId: "dev1", moduleId: "mod/1") == module.withoutAuthentication)
        store.writeModule(hub: "hub1", deviceId: "dev1", moduleId: "m2", HubModule(moduleId: "m2", deviceId: "dev1"))
        #expect(try store.listModules(hub: "hub1", deviceId: "dev1").map(\.moduleId).sorted() == ["m2", "mod/1"])
        // Removing a backup.
        store.writeModule(hub: "hub1", deviceId: "dev1", moduleId: "m2", nil)
        #expect(try store.listModules(hub: "hub1", deviceId: "dev1").map(\.moduleId) == ["mod/1"])
        // The same device again keeps its backups; another device wipes them.
        store.prepareDevice(hub: "hub1", deviceId: "dev1")
        #expect(store.readModule(hub: "hub1", deviceId: "dev1", moduleId: "mod/1") != nil)
        store.prepareDevice(hub: "hub2", deviceId: "dev1")
        #expect(!FileManager.default.fileExists(atPath: store.deviceDirectory(hub: "hub1", deviceId: "dev1")))
        #expect(FileManager.default.fileExists(atPath: store.deviceDirectory(hub: "hub2", deviceId: "dev1")))
        #expect(try store.listModules(hub: "hub2", deviceId: "dev1").isEmpty)
    }

    @Test("previous modules come from prev_state's module principals, and only for the same device")
    func previousModules() throws {
        let fixture = try IdentityFixture()
        defer { fixture.remove() }
        let store = fixture.store
        try store.createHomeDirectory()
        let config = try fixture.manualConfiguration(principals: IdentityFixture.modulePrincipals(["a", "b"]) + "\n[[principal]]\nuid = 3000\nname = \"dev\"\nidtype = [\"device\"]\n")
        let device = DeviceInfo(hubName: "localhost", localGatewayHostname: "localhost", deviceId: "device1")
        #expect(store.previousHubModules(for: device).isEmpty)
        try store.writePrevState(config)
        // No device_info yet: nothing is known to be ours.
        #expect(store.previousHubModules(for: device).isEmpty)
        try store.writeDeviceInfo(device)
        #expect(store.previousHubModules(for: device) == ["a", "b"])
        #expect(store.previousHubModules(for: DeviceInfo(hubName: "localhost", localGatewayHostname: "localhost", deviceId: "other")).isEmpty)
        // prev_state is the settings' TOML.
        let text = try String(contentsOfFile: store.prevStatePath, encoding: .utf8)
        #expect(text.hasPrefix("hostname = \"my-device\"\nhomedir = \"\(fixture.homedir)\"\nprefer_module_identity_cache = false\n"))
        #expect(text.contains("[[principal]]\nuid = 2001\nname = \"a\"\nidtype = [\"module\"]\n"))
        // A prev_state the reference wrote (with its own layout) reads too; a broken one is ignored.
        try "hostname = \"x\"\nhomedir = \"/x\"\n[provisioning]\nsource = \"none\"\n[[principal]]\nname = \"z\"\nuid = 1\nidtype = [\"local\", \"module\"]\n"
            .write(toFile: store.prevStatePath, atomically: true, encoding: .utf8)
        #expect(store.previousHubModules(for: device) == ["z"])
        try "principal = ".write(toFile: store.prevStatePath, atomically: true, encoding: .utf8)
        #expect(store.previousHubModules(for: device).isEmpty)
    }

    @Test("the provisioning fingerprint changes with any provisioning setting, and only with those")
    func fingerprint() throws {
        let fixture = try IdentityFixture()
        defer { fixture.remove() }
        func dps(_ scope: String, _ registration: String = "reg", payload: String = "") throws -> ProvisioningSettings {
            try fixture.configuration(
                "[provisioning]\nsource = \"dps\"\nglobal_endpoint = \"https://g\"\nscope_id = \"\(scope)\"\n\(payload)[provisioning.attestation]\nmethod = \"symmetric_key\"\nregistration_id = \"\(registration)\"\nsymmetric_key = \"k\"\n"
            ).provisioning
        }
        let base = ProvisioningFingerprint.of(try dps("scope1"))
        #expect(base.hasPrefix("sha256:"))
        #expect(ProvisioningFingerprint.of(try dps("scope1")) == base)
        #expect(ProvisioningFingerprint.of(try dps("scope2")) != base)
        #expect(ProvisioningFingerprint.of(try dps("scope1", "reg2")) != base)
        #expect(ProvisioningFingerprint.of(try dps("scope1", payload: "payload = { uri = \"file:///p\" }\n")) != base)
    }
}
