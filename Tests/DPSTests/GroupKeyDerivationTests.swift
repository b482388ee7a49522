import Foundation
import HubEmulator
import MQTTTestSupport
import Testing

@Suite("Group key derivation")
struct GroupKeyDerivationTests {
    @Test("the device key is HMAC-SHA256 of the registration id under the decoded group key, as openssl computes it")
    func matchesOpenSSL() async throws {
        for (groupKey, registrationId) in [(fixedKey(0x11), "edge-01"), (fixedKey(0xA5), "Mixed.Case_id:1"), ("c2hvcnQga2V5IG9mIDE2IGJ5dGVz", "x")] {
            let expected = try await opensslHMAC(key: groupKey, message: registrationId)
            #expect(GroupKeyDerivation.deviceKey(groupKey: groupKey, registrationId: registrationId) == expected)
        }
    }

    @Test("keys differ per registration id and per group key; a non-base64 group key gives none")
    func distinct() {
        let a = GroupKeyDerivation.deviceKey(groupKey: fixedKey(1), registrationId: "a")
        let b = GroupKeyDerivation.deviceKey(groupKey: fixedKey(1), registrationId: "b")
        let c = GroupKeyDerivation.deviceKey(groupKey: fixedKey(2), registrationId: "a")
        #expect(a != nil)
        #expect(a != b)
        #expect(a != c)
        #expect(Data(base64Encoded: a ?? "")?.count == 32)
        #expect(GroupKeyDerivation.deviceKey(groupKey: "not base64!", registrationId: "a") == nil)
    }
}
