import HubEmulatorTestSupport
import Foundation
@testable import IdentityService
import IoTHubProtocol
import Testing

@Suite("GET /identities/provisioning for each source")
struct ProvisioningInfoTests {
    static func info(_ provisioning: String, files: (IdentityFixture) throws -> Void = { _ in }) async throws -> String {
        let fixture = try IdentityFixture()
        defer { fixture.remove() }
        try files(fixture)
        let service = fixture.service(try fixture.configuration(provisioning.replacingOccurrences(of: "$DIR", with: fixture.directory)), options: fixture.options(emulator: nil))
        return try await service.provisioningInfo().jsonValue.jsonString
    }

    @Test("manual: the authentication method only")
    func manual() async throws {
        #expect(try await Self.info("[provisioning]\nsource = \"manual\"\niothub_hostname = \"h\"\ndevice_id = \"d\"\n[provisioning.authentication]\nmethod = \"sas\"\ndevice_id_pk = \"k\"\n")
            == #"{"source":"manual","auth":"sas"}"#)
        #expect(try await Self.info("[provisioning]\nsource = \"manual\"\niothub_hostname = \"h\"\ndevice_id = \"d\"\n[provisioning.authentication]\nmethod = \"x509\"\nidentity_cert = \"c\"\nidentity_pk = \"k\"\n")
            == #"{"source":"manual","auth":"x509"}"#)
        #expect(try await Self.info("[provisioning]\nsource = \"manual\"\nconnection_string = \"HostName=h;DeviceId=d;SharedAccessKey=AQID\"\n")
            == #"{"source":"manual","auth":"sas"}"#)
    }

    @Test("none")
    func none() async throws {
        #expect(try await Self.info("[provisioning]\nsource = \"none\"\n") == #"{"source":"none"}"#)
    }

    @Test("DPS: method, endpoint as a normalized URL, scope, registration id, payload (null when absent)")
    func dps() async throws {
        let symmetric = try await Self.info(
            "[provisioning]\nsource = \"dps\"\nglobal_endpoint = \"https://global.azure-devices-provisioning.net\"\nscope_id = \"0ne1\"\npayload = { uri = \"file://$DIR/p.json\" }\n[provisioning.attestation]\nmethod = \"symmetric_key\"\nregistration_id = \"reg\"\nsymmetric_key = \"k\"\n"
        ) { fixture in
            try #"{"a":{"b":[1,true,"c"]}}"#.write(toFile: fixture.directory + "/p.json", atomically: true, encoding: .utf8)
        }
        #expect(symmetric == #"{"source":"dps","auth":"symmetric_key","endpoint":"https://global.azure-devices-provisioning.net/","scope_id":"0ne1","registration_id":"reg","payload":{"a":{"b":[1,true,"c"]}}}"#)
        let tpm = try await Self.info("[provisioning]\nsource = \"dps\"\nglobal_endpoint = \"https://g.example/\"\nscope_id = \"s\"\n[provisioning.attestation]\nmethod = \"tpm\"\nregistration_id = \"t\"\n")
        #expect(tpm == #"{"source":"dps","auth":"tpm","endpoint":"https://g.example/","scope_id":"s","registration_id":"t","payload":null}"#)
        let x509 = try await Self.info("[provisioning]\nsource = \"dps\"\nglobal_endpoint = \"https://g.example\"\nscope_id = \"s\"\n[provisioning.attestation]\nmethod = \"x509\"\nregistration_id = { CN = \"cn1\", O = \"o\" }\nidentity_cert = \"c\"\nidentity_pk = \"k\"\n")
        #expect(x509 == #"{"source":"dps","auth":"x509","endpoint":"https://g.example/","scope_id":"s","registration_id":"cn1","payload":null}"#)
        // A payload file that is not JSON is an invalid parameter.
        let fixture = try IdentityFixture()
        defer { fixture.remove() }
        try "not json".write(toFile: fixture.directory + "/bad.json", atomically: true, encoding: .utf8)
        let config = try fixture.configuration(
            "[provisioning]\nsource = \"dps\"\nglobal_endpoint = \"https://g\"\nscope_id = \"s\"\npayload = { uri = \"file://\(fixture.directory)/bad.json\" }\n[provisioning.attestation]\nmethod = \"symmetric_key\"\nregistration_id = \"r\"\nsymmetric_key = \"k\"\n")
        let error = await thrownError { _ = try await fixture.service(config, options: fixture.options(emulator: nil)).provisioningInfo() }
        #expect((error as? IdentityServiceError)?.message.hasPrefix("parameter \"provisioning.payload\" has an invalid value") == true)
    }
}
