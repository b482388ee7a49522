/// How one certificate is issued, as the super-config describes it (an `identity_cert = { method = … }`
/// table, or `[cert_issuance.local_ca] cert = { … }`).
public struct CertIssuanceOptions: Sendable, Hashable {
    public var method: CertIssuanceMethod
    /// Days between issuance and expiry (greater than 0); certd's default is 30.
    public var expiryDays: Int?
    /// Auto-renewal of this certificate (only honoured for the DPS X.509 identity certificate).
    public var autoRenew: AutoRenewConfig?
    public var subject: CertSubject?

    public init(method: CertIssuanceMethod, expiryDays: Int? = nil, autoRenew: AutoRenewConfig? = nil, subject: CertSubject? = nil) {
        self.method = method
        self.expiryDays = expiryDays
        self.autoRenew = autoRenew
        self.subject = subject
    }
}

/// `method = "est" | "local_ca" | "self_signed"`.
public enum CertIssuanceMethod: Sendable, Hashable {
    /// Issued by an EST server: its own URL (else `[cert_issuance.est.urls]`) and authentication (else the
    /// global `[cert_issuance.est.auth]`).
    case est(url: ConfigURL?, auth: ESTAuth?)
    case localCA
    case selfSigned
}

/// The subject of an issued certificate: `common_name = "…"` or `subject = { CN = "…", O = "…" }`.
public enum CertSubject: Sendable, Hashable {
    case commonName(String)
    /// Attribute name → value, sorted by name.
    case subject([Attribute])

    public struct Attribute: Sendable, Hashable {
        public var name: String
        public var value: String
        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }
}

/// EST authentication: basic (`username` + `password`), a TLS client certificate, or both.
public struct ESTAuth: Sendable, Hashable {
    public struct Basic: Sendable, Hashable {
        public var username: String
        public var password: String
        public init(username: String, password: String) {
            self.username = username
            self.password = password
        }
    }

    public var basic: Basic?
    public var x509: ESTAuthX509?

    public init(basic: Basic? = nil, x509: ESTAuthX509? = nil) {
        self.basic = basic
        self.x509 = x509
    }
}

/// The TLS client credential for EST, as preloaded files/keys.
public enum ESTAuthX509: Sendable, Hashable {
    /// `bootstrap_identity_cert` + `bootstrap_identity_pk`: used once to obtain an EST identity certificate.
    case bootstrapIdentity(cert: ConfigURL, key: PreloadedKeyLocation)
    /// `identity_cert` + `identity_pk`: the EST identity itself.
    case identity(cert: ConfigURL, key: PreloadedKeyLocation)
}
