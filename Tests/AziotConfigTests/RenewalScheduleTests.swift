import AziotConfig
import Foundation
import Testing

@Suite("Renewal schedule (auto-renew threshold and retry)")
struct RenewalScheduleTests {
    let start = Date(timeIntervalSince1970: 1_000_000)
    var end: Date { start.addingTimeInterval(100 * 86_400) }

    @Test("percentage thresholds renew at that share of the lifetime", arguments: [(40, true), (50, true), (60, false)])
    func percentage(threshold: Int, due: Bool) {
        let policy = AutoRenewConfig(threshold: .percentage(threshold))
        let now = start.addingTimeInterval(50 * 86_400)
        #expect(policy.shouldRenew(notBefore: start, notAfter: end, now: now) == due)
    }

    @Test("time thresholds renew that long before expiry")
    func time() {
        let policy = AutoRenewConfig(threshold: .time(seconds: 3))
        #expect(policy.shouldRenew(notBefore: start, notAfter: end, now: end.addingTimeInterval(-1)))
        #expect(!policy.shouldRenew(notBefore: start, notAfter: end, now: end.addingTimeInterval(-4)))
        #expect(policy.renewalTime(notBefore: start, notAfter: end) == end.addingTimeInterval(-3))
    }

    @Test("expired and empty-validity certificates renew at once")
    func invalid() {
        let policy = AutoRenewConfig.default
        #expect(policy.shouldRenew(notBefore: start, notAfter: end, now: end.addingTimeInterval(1)))
        #expect(policy.shouldRenew(notBefore: end, notAfter: start, now: start))
        #expect(policy.nextRenewal(notBefore: start, notAfter: end, now: end) == end)
        #expect(policy.nextRenewal(notBefore: start, notAfter: end, now: start) == start.addingTimeInterval(80 * 86_400))
    }

    @Test("retry intervals: share of lifetime or fixed time, never under a second")
    func retry() {
        #expect(AutoRenewConfig(retry: .percentage(4)).retryInterval(notBefore: start, notAfter: end) == 4 * 86_400)
        #expect(AutoRenewConfig(retry: .time(seconds: 120)).retryInterval(notBefore: start, notAfter: end) == 120)
        #expect(AutoRenewConfig(retry: .percentage(1)).retryInterval(notBefore: start, notAfter: start.addingTimeInterval(10)) == 1)
    }
}
