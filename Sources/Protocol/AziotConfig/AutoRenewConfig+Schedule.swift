public import Foundation

extension AutoRenewConfig {
    /// Whether a certificate valid from `notBefore` to `notAfter` should be renewed at `now`: always when it has
    /// expired or its validity is empty, else once the threshold is reached.
    public func shouldRenew(notBefore: Date, notAfter: Date, now: Date) -> Bool {
        guard notBefore < notAfter, now < notAfter else { return true }
        return now >= renewalTime(notBefore: notBefore, notAfter: notAfter)
    }

    /// When the threshold is reached: `notBefore + lifetime × p%` for a percentage, `notAfter − t` for a time.
    public func renewalTime(notBefore: Date, notAfter: Date) -> Date {
        let lifetime = notAfter.timeIntervalSince(notBefore)
        switch threshold {
        case .percentage(let percent):
            return notBefore.addingTimeInterval(lifetime * Double(percent) / 100)
        case .time(let seconds):
            return notAfter.addingTimeInterval(-Double(seconds))
        }
    }

    /// How long to wait before retrying a failed renewal: `lifetime × p%` or the fixed time, at least 1 s.
    public func retryInterval(notBefore: Date, notAfter: Date) -> TimeInterval {
        let lifetime = max(0, notAfter.timeIntervalSince(notBefore))
        switch retry {
        case .percentage(let percent): return max(1, lifetime * Double(percent) / 100)
        case .time(let seconds): return max(1, Double(seconds))
        }
    }

    /// The next moment to act: the renewal time, or `now` when that has passed (renew immediately).
    public func nextRenewal(notBefore: Date, notAfter: Date, now: Date) -> Date {
        shouldRenew(notBefore: notBefore, notAfter: notAfter, now: now) ? now : renewalTime(notBefore: notBefore, notAfter: notAfter)
    }
}
