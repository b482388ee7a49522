public import TOMLConfig

/// aziot-certd's settings (`/etc/aziot/certd/config.toml` + `config.d`).
public struct CertdConfiguration: Sendable, Equatable {
    /// Where issued and imported certificates live (`<homedir>/certs/…`).
    public var homedirPath: String
    /// Open connections allowed per caller uid; default 10.
    public var maxRequests: Int
    /// Per-certificate issuance settings, in file order.
    public var certIssuance: [(certId: String, options: CertIssuanceOptions)]
    /// `[cert_issuance.local_ca]`: the certificate id and key-pair id of the local CA.
    public var localCA: (cert: String, pk: String)?
    /// `[cert_issuance.est]`, kept as written: parsed for compatibility, not used for issuance by this build.
    public var est: ConfigTable?
    /// `[preloaded_certs]`: id → file URI, or id → list of other ids (a bundle).
    public var preloadedCerts: [(id: String, source: PreloadedCert)]
    /// `[[principal]]`: who may create, import and delete which certificate ids.
    public var principals: [CertPrincipal]
    /// `[endpoints]`: this service's socket and keyd's.
    public var certdEndpoint: String?
    public var keydEndpoint: String?

    /// A `[preloaded_certs]` value.
    public enum PreloadedCert: Sendable, Equatable {
        /// `file:///path` (the file holds PEM).
        case file(path: String)
        /// The concatenation of other preloaded ids.
        case bundle([String])
    }

    public static let defaultMaxRequests = 10

    /// Reads the merged configuration; unknown keys are an error (``ConfigReader/finish()``).
    public init(_ table: ConfigTable) throws(ConfigError) {
        let reader = ConfigReader(table)
        homedirPath = try reader.required("homedir_path", reader.string)
        maxRequests = try reader.integer("max_requests") ?? Self.defaultMaxRequests
        certIssuance = []
        localCA = nil
        est = nil
        if let issuance = try reader.table("cert_issuance") {
            for key in issuance.table.keys {
                switch key {
                case "local_ca":
                    guard let local = try issuance.table("local_ca") else { continue }
                    localCA = (try local.required("cert", local.string), try local.required("pk", local.string))
                case "est":
                    if case .table(let table) = issuance.value("est") { est = table }
                default:
                    guard let options = try issuance.table(key) else { continue }
                    certIssuance.append((key, try CertIssuanceOptions(reading: options)))
                }
            }
        }
        preloadedCerts = []
        if let preloaded = try reader.table("preloaded_certs") {
            for id in preloaded.table.keys {
                switch preloaded.value(id) {
                case .string(let uri):
                    guard uri.hasPrefix("file://") else {
                        throw preloaded.invalid(id, "only file:// URIs are supported, found \"\(uri)\"")
                    }
                    preloadedCerts.append((id, .file(path: String(uri.dropFirst("file://".count)))))
                case .array:
                    preloadedCerts.append((id, .bundle(try preloaded.required(id, preloaded.stringArray))))
                default:
                    throw preloaded.invalid(id, "expected a file:// URI or a list of certificate ids")
                }
            }
        }
        principals = try reader.tableArray("principal").map { (entry) throws(ConfigError) in
            CertPrincipal(uid: UInt32(clamping: try entry.required("uid", entry.integer)), certs: try entry.required("certs", entry.stringArray))
        }
        let endpoints = try reader.table("endpoints")
        certdEndpoint = try endpoints?.string("aziot_certd")
        keydEndpoint = try endpoints?.string("aziot_keyd")
        try reader.finish()
        let fileIds = Set(preloadedCerts.compactMap { entry -> String? in
            if case .file = entry.source { return entry.id }
            return nil
        })
        for (id, source) in preloadedCerts {
            guard case .bundle(let members) = source else { continue }
            for member in members where !fileIds.contains(member) {
                throw ConfigError(.invalidValue, "preloaded_certs.\(id): \"\(member)\" is not a preloaded certificate with a file:// URI")
            }
        }
    }

    /// The issuance options of `certId`, if configured.
    public func options(for certId: String) -> CertIssuanceOptions? {
        certIssuance.first { $0.certId == certId }?.options
    }

    public static func == (lhs: CertdConfiguration, rhs: CertdConfiguration) -> Bool {
        lhs.homedirPath == rhs.homedirPath && lhs.maxRequests == rhs.maxRequests
            && lhs.certIssuance.map(\.certId) == rhs.certIssuance.map(\.certId)
            && lhs.certIssuance.map(\.options) == rhs.certIssuance.map(\.options)
            && lhs.localCA?.cert == rhs.localCA?.cert && lhs.localCA?.pk == rhs.localCA?.pk && lhs.est == rhs.est
            && lhs.preloadedCerts.map(\.id) == rhs.preloadedCerts.map(\.id)
            && lhs.preloadedCerts.map(\.source) == rhs.preloadedCerts.map(\.source)
            && lhs.principals == rhs.principals && lhs.certdEndpoint == rhs.certdEndpoint && lhs.keydEndpoint == rhs.keydEndpoint
    }
}

/// A `[[principal]]` of certd: a uid and the certificate ids (globs) it may modify.
public struct CertPrincipal: Sendable, Equatable {
    public var uid: UInt32
    public var certs: [String]

    public init(uid: UInt32, certs: [String]) {
        self.uid = uid
        self.certs = certs
    }
}
