public import Foundation

extension SharedAccessSignature {
    /// Whether the token is expired at `now`: `se + clockSkew < now` (the hub's rule).
    public func isExpired(at now: Date, clockSkew: TimeInterval = SharedAccessSignature.defaultClockSkew) -> Bool {
        TimeInterval(expiry) + clockSkew < now.timeIntervalSince1970
    }

    /// Throws `.expired` when ``isExpired(at:clockSkew:)`` is true.
    public func checkExpiry(
        at now: Date, clockSkew: TimeInterval = SharedAccessSignature.defaultClockSkew
    ) throws(SharedAccessSignatureError) {
        if isExpired(at: now, clockSkew: clockSkew) {
            throw SharedAccessSignatureError(
                code: .expired,
                message: "token expired at \(expiry) (unix seconds); now is \(Int64(now.timeIntervalSince1970.rounded(.down))), clock skew allowance \(Int64(clockSkew)) s")
        }
    }

    /// Whether the signature matches one computed with `keyBytes` (constant-time comparison).
    public func isSignatureValid(keyBytes: [UInt8]) -> Bool {
        let expected = Self.computeSignature(encodedResource: resource, expiry: expiryString, keyBytes: keyBytes)
        return ConstantTime.equals(Array(expected.utf8), Array(signature.utf8))
    }

    /// Checks the signature against one or more base64 keys (e.g. primary and secondary).
    ///
    /// Every key is tried (no early exit) and each comparison is constant-time.
    /// - Throws: `.invalidKey` if a key is not valid base64 or no key is given, `.signatureMismatch`
    ///   if no key produces the signature.
    public func verifySignature(keys: [String]) throws(SharedAccessSignatureError) {
        guard !keys.isEmpty else {
            throw SharedAccessSignatureError(code: .invalidKey, message: "no key to verify the signature with")
        }
        var matched = false
        for key in keys {
            let bytes = try Self.decodeKey(key)
            matched = isSignatureValid(keyBytes: bytes) || matched
        }
        if !matched {
            throw SharedAccessSignatureError(
                code: .signatureMismatch, message: "signature mismatch for resource \(resource)")
        }
    }

    /// Full validation as the hub does it: expiry (with clock skew) first, then the signature against
    /// the primary and optional secondary key.
    public func verify(
        primaryKey: String,
        secondaryKey: String? = nil,
        now: Date,
        clockSkew: TimeInterval = SharedAccessSignature.defaultClockSkew
    ) throws(SharedAccessSignatureError) {
        try checkExpiry(at: now, clockSkew: clockSkew)
        try verifySignature(keys: [primaryKey] + (secondaryKey.map { [$0] } ?? []))
    }

    /// The parsed audience (`sr`): a device or module resource.
    public func audience() throws(SharedAccessSignatureError) -> SASAudience {
        try SASAudience(parsing: resource)
    }
}
