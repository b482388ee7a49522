public import TOMLConfig

/// How certd issues one certificate id when a caller asks for it without naming an issuer
/// (`[cert_issuance.<certId>]`).
public struct CertIssuanceOptions: Sendable, Equatable {
    /// Who signs.
    public enum Method: String, Sendable, Equatable {
        /// Signed by the key pair whose id equals the certificate id.
        case selfSigned = "self_signed"
        /// Signed by `[cert_issuance.local_ca]`.
        case localCA = "local_ca"
        /// Forwarded to an EST server (parsed, but this build cannot issue over EST).
        case est
    }

    public var method: Method
    /// Validity in days; default 30.
    public var expiryDays: Int?
    /// The subject to use instead of the CSR's: either a common name or a full distinguished name.
    public var subject: SubjectOverride?
    /// EST settings kept so that the file round-trips (`url`, auth fields).
    public var estSettings: ConfigTable

    public init(method: Method, expiryDays: Int? = nil, subject: SubjectOverride? = nil, estSettings: ConfigTable = ConfigTable()) {
        self.method = method
        self.expiryDays = expiryDays
        self.subject = subject
        self.estSettings = estSettings
    }

    /// A subject given in the configuration.
    public enum SubjectOverride: Sendable, Equatable {
        /// `common_name = "…"`.
        case commonName(String)
        /// `subject = { CN = "…", O = "…" }`, attributes in file order.
        case attributes([(name: String, value: String)])

        public static func == (lhs: SubjectOverride, rhs: SubjectOverride) -> Bool {
            switch (lhs, rhs) {
            case (.commonName(let l), .commonName(let r)): l == r
            case (.attributes(let l), .attributes(let r)): l.count == r.count && zip(l, r).allSatisfy { $0 == $1 }
            default: false
            }
        }
    }

    static let estKeys = [
        "url", "username", "password", "identity_cert", "identity_pk", "bootstrap_identity_cert", "bootstrap_identity_pk",
    ]

    init(reading reader: ConfigReader) throws(ConfigError) {
        let methodText = try reader.required("method", reader.string)
        guard let method = Method(rawValue: methodText) else {
            throw reader.invalid("method", "expected \"self_signed\", \"local_ca\" or \"est\", found \"\(methodText)\"")
        }
        self.method = method
        expiryDays = try reader.integer("expiry_days")
        if let days = expiryDays, days <= 0 { throw reader.invalid("expiry_days", "must be greater than 0") }
        let commonName = try reader.string("common_name")
        let subjectTable = try reader.table("subject")
        switch (commonName, subjectTable) {
        case (.some, .some):
            throw reader.invalid("subject", "give either common_name or subject, not both")
        case (.some(let name), nil):
            subject = .commonName(name)
        case (nil, .some(let table)):
            var attributes: [(name: String, value: String)] = []
            for name in table.table.keys { attributes.append((name, try table.required(name, table.string))) }
            subject = .attributes(attributes)
        case (nil, nil):
            subject = nil
        }
        var est = ConfigTable()
        for key in Self.estKeys {
            if let value = reader.value(key) { est[key] = value }
        }
        estSettings = est
    }
}
