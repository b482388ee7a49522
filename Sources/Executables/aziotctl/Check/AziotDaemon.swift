/// The aziot daemons `check` talks to.
enum AziotDaemon: String, Sendable, CaseIterable {
    case keyd, certd, tpmd, identityd

    /// The service user that reads this daemon's files.
    var user: String {
        switch self {
        case .keyd: "aziotks"
        case .certd: "aziotcs"
        case .tpmd: "aziottpm"
        case .identityd: "aziotid"
        }
    }
}
