import EdgeConfigTool
import AziotClients
import CertService
import ConfigFiles
import KeyService
import UnixSocketHTTP
import X509

/// The `aziotctl check` options that checks read.
struct CheckOptions: Sendable {
    var ntpServer = "pool.ntp.org:123"
    var iothubHostname: String?
    var proxyURI: String?
    var expectedAziotVersion: String?
    var verbose = false
}

/// What the checks learn as they run, for the checks after them (the reference's `CheckerCache`).
struct CheckContext {
    let options: CheckOptions
    let environment: [String: String]

    /// Parsed by the `*-config-well-formed` checks; nil when absent or malformed.
    var keyd: KeydConfiguration?
    var certd: CertdConfiguration?
    var tpmd: TpmdSettings?
    var identityd: IdentitydSettings?
    /// Daemons whose `*-running` check passed.
    var running: Set<AziotDaemon> = []
    /// Preloaded certificates read through certd (certs-read): id → leaf certificate.
    var certificates: [String: Certificate] = [:]
    /// Preloaded key pairs read through keyd (key-pairs-read): id → public parameters.
    var keyPairs: [String: KeyPairPublicKey] = [:]
    /// identityd's answer to `GET /identities/identity`, fetched at most once.
    var deviceIdentity: DeviceIdentityAnswer?

    init(options: CheckOptions, environment: [String: String]) {
        self.options = options
        self.environment = environment
    }

    static let requestTimeout = Duration.seconds(10)

    /// The config files of a service (with the `AZIOT_<SVC>_CONFIG(_DIR)` overrides).
    func configFiles(_ daemon: AziotDaemon) -> ConfigFileSet {
        ConfigFileSet.aziotService(daemon.rawValue, environment: environment)
    }

    /// The socket of a daemon: its own `[endpoints]`, else identityd's, else `/run/aziot/<svc>.sock`
    /// (`AZIOT_IDENTITYD_SOCKET` overrides identityd's).
    func socketPath(_ daemon: AziotDaemon) -> String {
        var uri: String?
        switch daemon {
        case .keyd:
            uri = keyd?.endpoint?.description ?? identityd?.keydEndpoint
        case .certd:
            uri = certd?.certdEndpoint ?? identityd?.certdEndpoint
        case .tpmd:
            uri = tpmd?.endpoint ?? identityd?.tpmdEndpoint
        case .identityd:
            if let socket = environment["AZIOT_IDENTITYD_SOCKET"] { return socket }
            uri = identityd?.identitydEndpoint
        }
        if let uri, let path = try? ServiceEndpoint(parsing: uri).clientSocketPath() { return path }
        return "/run/aziot/\(daemon.rawValue).sock"
    }

    var keyClient: KeyClient { KeyClient(socketPath: socketPath(.keyd), apiVersion: "2021-05-01") }
    var certClient: CertClient { CertClient(socketPath: socketPath(.certd)) }

    /// The user a service runs as, for "can it read this file" checks: the service user when it exists, else
    /// the user running `aziotctl` (as the reference does in development builds).
    func serviceUser(_ daemon: AziotDaemon) -> SystemUser {
        SystemUser.named(daemon.user) ?? SystemUser.current()
    }

    /// The device identity from identityd, asked once (needs root or a principal allowed GetDevice).
    mutating func identityFromIdentityd() async -> DeviceIdentityAnswer {
        if let deviceIdentity { return deviceIdentity }
        let answer = await DeviceIdentityAnswer.fetch(socket: socketPath(.identityd))
        deviceIdentity = answer
        return answer
    }
}

/// A key pair's public half as keyd reports it (`/parameters/...`).
enum KeyPairPublicKey: Sendable, Equatable {
    /// Big-endian modulus and exponent, without leading zero bytes.
    case rsa(modulus: [UInt8], exponent: [UInt8])
    /// The DER curve OID and the compressed point.
    case ec(curveOID: [UInt8], compressedPoint: [UInt8])
}
