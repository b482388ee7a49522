import AziotConfig
import Testing

@Suite("renewal policy strings")
struct RenewalPolicyTests {
    @Test("percentages, minutes and days parse", arguments: [
        ("90%", RenewalPolicy.percentage(90)), ("1%", .percentage(1)), ("99%", .percentage(99)),
        ("100min", .time(seconds: 6_000)), ("10day", .time(seconds: 864_000)),
    ])
    func parses(_ text: String, _ expected: RenewalPolicy) throws {
        #expect(try RenewalPolicy(parsing: text) == expected)
    }

    @Test("malformed policies are rejected", arguments: ["", "%", "a%", "day", "min", "1year", "101%", "100%", "0%", "0min", "-5%", "+5%", "5 %", "5.5%", "5MIN"])
    func rejects(_ text: String) {
        do {
            _ = try RenewalPolicy(parsing: text)
            Issue.record("expected an error")
        } catch {}  // typed throws: only this type can arrive here
    }

    @Test("written back as percent, whole days, else minutes", arguments: [
        (RenewalPolicy.percentage(80), "80%"), (.percentage(89), "89%"), (.time(seconds: 120), "2min"),
        (.time(seconds: 1_441 * 60), "1441min"), (.time(seconds: 3 * 86_400), "3day"), (.time(seconds: 2_880 * 60), "2day"),
    ])
    func serializes(_ policy: RenewalPolicy, _ expected: String) {
        #expect(policy.description == expected)
    }

    @Test("the default auto-renew settings")
    func defaults() {
        #expect(AutoRenewConfig.default == AutoRenewConfig(rotateKey: true, threshold: .percentage(80), retry: .percentage(4)))
        #expect(AutoRenewConfig(rotateKey: false).isDefault == false)
    }
}
