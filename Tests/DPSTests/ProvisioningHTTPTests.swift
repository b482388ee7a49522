import Foundation
import HubEmulator
import IoTHubProtocol
import MQTTTestSupport
import Testing

/// DPS over real HTTPS: the emulator on a free port, curl as the device and the operator, tokens signed by openssl.
@Suite("DPS over HTTPS")
struct ProvisioningHTTPTests {
    private let api = "api-version=2021-06-01"

    @Test("a group device registers with a token signed by openssl and polls until assigned; the status lookup answers the same")
    func registerAndPoll() async throws {
        try await withEmulator { emulator in
            let owner = try emulator.ownerToken(host: testDPSHostName)
            let created = try await emulator.curl(
                "PUT", "/enrollmentGroups/edge-fleet?\(api)", host: testDPSHostName, headers: ["Authorization: \(owner)"],
                body:
                    #"{"enrollmentGroupId":"edge-fleet","attestation":{"type":"symmetricKey"},"capabilities":{"iotEdge":true},"initialTwin":{"properties":{"desired":{"interval":5}}}}"#
            )
            #expect(created.status == 200, "\(created)")
            let groupKey = try #require(created.json?["attestation"]?["symmetricKey"]?["primaryKey"]?.stringValue)

            let deviceKey = try await opensslHMAC(key: groupKey, message: "edge-01")
            #expect(deviceKey == GroupKeyDerivation.deviceKey(groupKey: groupKey, registrationId: "edge-01"))
            let token = try await opensslToken(audience: "\(testIdScope)/registrations/edge-01", key: deviceKey, keyName: "registration")
            let register = try await emulator.curl(
                "PUT", "/\(testIdScope)/registrations/edge-01/register?\(api)", host: testDPSHostName, headers: ["Authorization: \(token)"],
                body: #"{"registrationId":"edge-01","payload":{"site":"lab","slots":[1,2]}}"#)
            #expect(register.status == 202, "\(register)")
            #expect(register.json?["status"]?.stringValue == "assigning")
            let operationId = try #require(register.json?["operationId"]?.stringValue)

            let poll = try await emulator.curl(
                "GET", "/\(testIdScope)/registrations/edge-01/operations/\(operationId)?\(api)", host: testDPSHostName,
                headers: ["Authorization: \(token)"])
            #expect(poll.status == 200, "\(poll)")
            #expect(poll.json?["operationId"]?.stringValue == operationId)
            #expect(poll.json?["status"]?.stringValue == "assigned")
            let state = try #require(poll.json?["registrationState"])
            #expect(state["assignedHub"]?.stringValue == testHubName)
            #expect(state["deviceId"]?.stringValue == "edge-01")
            #expect(state["registrationId"]?.stringValue == "edge-01")
            #expect(state["status"]?.stringValue == "assigned")
            #expect(state["substatus"]?.stringValue == "initialAssignment")
            #expect(state["payload"] == ["site": "lab", "slots": [1, 2]])
            #expect(state["createdDateTimeUtc"]?.stringValue != nil)
            #expect(state["lastUpdatedDateTimeUtc"]?.stringValue != nil)
            #expect(state["etag"]?.stringValue != nil)

            let lookup = try await emulator.curl(
                "POST", "/\(testIdScope)/registrations/edge-01?\(api)", host: testDPSHostName, headers: ["Authorization: \(token)"],
                body: #"{"registrationId":"edge-01"}"#)
            #expect(lookup.status == 200, "\(lookup)")
            #expect(lookup.json?["deviceId"]?.stringValue == "edge-01")

            let device = try await emulator.server.registry.device("edge-01")
            #expect(device.capabilities.iotEdge)
            #expect(device.authentication.symmetricKey.primaryKey == deviceKey)
            let twin = try await emulator.server.registry.twin(deviceId: "edge-01", moduleId: nil).json
            #expect(twin["properties"]?["desired"]?["interval"]?.intValue == 5)
        }
    }

    @Test("an X.509 group device registers over mutual TLS, presenting its chain; the service API needs no client certificate")
    func x509OverMutualTLS() async throws {
        try await withEmulator { emulator in
            let root = try TestCertificate.authority("Fleet Root")
            let intermediate = try TestCertificate.authority("Fleet Intermediate", issuer: root)
            let device = try TestCertificate.device("cam-12", issuer: intermediate)
            let files = try device.write(to: emulator.directory, name: "cam-12", chain: [intermediate])
            let group: JSONValue = [
                "enrollmentGroupId": "cameras",
                "attestation": ["type": "x509", "x509": ["signingCertificates": ["primary": ["certificate": .string(root.pem)]]]],
            ]
            let created = try await emulator.curl(
                "PUT", "/enrollmentGroups/cameras?\(api)", host: testDPSHostName, headers: ["Authorization: \(try emulator.ownerToken())"],
                body: group.jsonString)
            #expect(created.status == 200, "\(created)")
            #expect(
                created.json?["attestation"]?["x509"]?["signingCertificates"]?["primary"]?["info"]?["subjectName"]?.stringValue == "CN=Fleet Root")

            let register = try await emulator.curl(
                "PUT", "/\(testIdScope)/registrations/cam-12/register?\(api)", host: testDPSHostName, body: #"{"registrationId":"cam-12"}"#,
                clientCertificate: files)
            #expect(register.status == 202, "\(register)")
            let operationId = try #require(register.json?["operationId"]?.stringValue)
            let poll = try await emulator.curl(
                "GET", "/\(testIdScope)/registrations/cam-12/operations/\(operationId)?\(api)", host: testDPSHostName, clientCertificate: files)
            #expect(poll.json?["status"]?.stringValue == "assigned", "\(poll)")
            #expect(poll.json?["registrationState"]?["x509"]?["enrollmentGroupId"]?.stringValue == "cameras")
            #expect(try await emulator.server.registry.device("cam-12").authentication.type == .certificateAuthority)

            // Without the intermediate the chain does not reach the group's root.
            let leafOnly = try device.write(to: emulator.directory, name: "cam-12-leaf")
            let refused = try await emulator.curl(
                "PUT", "/\(testIdScope)/registrations/cam-12/register?\(api)", host: testDPSHostName, body: "{}", clientCertificate: leafOnly)
            #expect(refused.status == 401, "\(refused)")
        }
    }

    @Test("refusals are DPS's JSON: 401 for bad signature, wrong scope and no credentials, 404 for an unknown operation, 400 without api-version")
    func refusals() async throws {
        try await withEmulator { emulator in
            _ = try await emulator.server.registry.createOrUpdateEnrollment(
                IndividualEnrollment(registrationId: "dev-1", attestation: .symmetricKey(primaryKey: fixedKey(1), secondaryKey: fixedKey(2))),
                ifMatch: nil)
            let good = try await opensslToken(audience: "\(testIdScope)/registrations/dev-1", key: fixedKey(1), keyName: "registration")
            let bad = try await opensslToken(audience: "\(testIdScope)/registrations/dev-1", key: fixedKey(3), keyName: "registration")

            let badSignature = try await emulator.curl(
                "PUT", "/\(testIdScope)/registrations/dev-1/register?\(api)", host: testDPSHostName, headers: ["Authorization: \(bad)"], body: "{}")
            #expect(badSignature.status == 401)
            let error = try #require(badSignature.json)
            #expect(error["errorCode"]?.intValue == 401_002)
            #expect(error["message"]?.stringValue?.hasPrefix("Unauthorized") == true)
            #expect(error["trackingId"]?.stringValue?.isEmpty == false)
            #expect(error["timestampUtc"]?.stringValue?.hasSuffix("Z") == true)

            let wrongScope = try await emulator.curl(
                "PUT", "/0ne99999999/registrations/dev-1/register?\(api)", host: testDPSHostName, headers: ["Authorization: \(good)"], body: "{}")
            #expect(wrongScope.status == 401)
            #expect(wrongScope.json?["errorCode"]?.intValue == 401_002)
            let anonymous = try await emulator.curl("PUT", "/\(testIdScope)/registrations/dev-1/register?\(api)", host: testDPSHostName, body: "{}")
            #expect(anonymous.status == 401)
            let unknownOperation = try await emulator.curl(
                "GET", "/\(testIdScope)/registrations/dev-1/operations/4.0000000000000000.nope?\(api)", host: testDPSHostName,
                headers: ["Authorization: \(good)"])
            #expect(unknownOperation.status == 404)
            #expect(unknownOperation.json?["errorCode"]?.intValue == 404_204)
            let noVersion = try await emulator.curl(
                "PUT", "/\(testIdScope)/registrations/dev-1/register", host: testDPSHostName, headers: ["Authorization: \(good)"], body: "{}")
            #expect(noVersion.status == 400)
            let malformed = try await emulator.curl(
                "PUT", "/\(testIdScope)/registrations/dev-1/register?\(api)", host: testDPSHostName, headers: ["Authorization: \(good)"],
                body: "{not json")
            #expect(malformed.status == 400)
            #expect(malformed.json?["errorCode"]?.intValue == 400_004)
            #expect(await emulator.server.registry.devices(top: nil).isEmpty)
        }
    }

    @Test("the enrollment API: create, read, conditional update, query, delete; 404 and 412 in DPS's JSON; 401 without a policy token")
    func enrollmentAPI() async throws {
        try await withEmulator { emulator in
            let auth = "Authorization: \(try emulator.ownerToken(host: testDPSHostName))"
            let body =
                #"{"registrationId":"dev-1","deviceId":"device-one","attestation":{"type":"symmetricKey","symmetricKey":{"primaryKey":"\#(fixedKey(1))"}}}"#
            let created = try await emulator.curl("PUT", "/enrollments/dev-1?\(api)", host: testDPSHostName, headers: [auth], body: body)
            #expect(created.status == 200, "\(created)")
            #expect(created.json?["attestation"]?["symmetricKey"]?["primaryKey"]?.stringValue == fixedKey(1))
            #expect(created.json?["attestation"]?["symmetricKey"]?["secondaryKey"]?.stringValue?.isEmpty == false)
            #expect(created.json?["iotHubHostName"]?.stringValue == testHubName)
            let etag = try #require(created.json?["etag"]?.stringValue)

            let read = try await emulator.curl("GET", "/enrollments/dev-1?\(api)", host: testDPSHostName, headers: [auth])
            #expect(read.json == created.json)
            let stale = try await emulator.curl(
                "PUT", "/enrollments/dev-1?\(api)", host: testDPSHostName, headers: [auth, "If-Match: \"stale\""], body: body)
            #expect(stale.status == 412)
            let updated = try await emulator.curl(
                "PUT", "/enrollments/dev-1?\(api)", host: testDPSHostName, headers: [auth, "If-Match: \(etag)"],
                body: #"{"attestation":{"type":"symmetricKey"},"provisioningStatus":"disabled"}"#)
            #expect(updated.status == 200, "\(updated)")
            #expect(updated.json?["provisioningStatus"]?.stringValue == "disabled")
            #expect(updated.json?["attestation"]?["symmetricKey"]?["primaryKey"]?.stringValue == fixedKey(1))
            let mismatch = try await emulator.curl(
                "PUT", "/enrollments/dev-1?\(api)", host: testDPSHostName, headers: [auth],
                body: #"{"registrationId":"dev-2","attestation":{"type":"symmetricKey"}}"#)
            #expect(mismatch.status == 400)

            let query = try await emulator.curl("POST", "/enrollments/query?\(api)", host: testDPSHostName, headers: [auth], body: #"{"query":"*"}"#)
            #expect(query.json?.arrayValue?.compactMap { $0["registrationId"]?.stringValue } == ["dev-1"])
            let anonymous = try await emulator.curl("GET", "/enrollments/dev-1?\(api)", host: testDPSHostName)
            #expect(anonymous.status == 401)
            let deviceToken = try await opensslToken(audience: "\(testHubName)/devices/dev-1", key: fixedKey(1))
            let withDeviceToken = try await emulator.curl(
                "GET", "/enrollments/dev-1?\(api)", host: testDPSHostName, headers: ["Authorization: \(deviceToken)"])
            #expect(withDeviceToken.status == 401)

            let deleted = try await emulator.curl("DELETE", "/enrollments/dev-1?\(api)", host: testDPSHostName, headers: [auth])
            #expect(deleted.status == 204)
            let missing = try await emulator.curl("GET", "/enrollments/dev-1?\(api)", host: testDPSHostName, headers: [auth])
            #expect(missing.status == 404)
            #expect(missing.json?["errorCode"]?.intValue == 404_201)
            let missingGroup = try await emulator.curl("DELETE", "/enrollmentGroups/nope?\(api)", host: testDPSHostName, headers: [auth])
            #expect(missingGroup.status == 404)
            #expect(missingGroup.json?["errorCode"]?.intValue == 404_202)
        }
    }
}
