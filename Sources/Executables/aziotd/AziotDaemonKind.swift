/// Which service this process runs: chosen by the file name the binary was started as (`aziot-keyd`,
/// `aziot-certd`, `aziot-identityd`, usually symlinks to `aziotd`), or by the first argument of `aziotd`.
enum AziotDaemonKind: String, CaseIterable, Sendable {
    case keyd
    case certd
    case identityd

    /// The systemd unit and program name, e.g. `aziot-keyd`.
    var programName: String { "aziot-\(rawValue)" }

    struct UsageError: Error, CustomStringConvertible {
        let description: String
    }

    /// Resolves the service from `argv`; returns it and the remaining arguments.
    static func resolve(_ arguments: [String]) throws -> (AziotDaemonKind, [String]) {
        let program = arguments.first.map { String($0.split(separator: "/").last ?? "") } ?? ""
        if let kind = Self.named(program) { return (kind, Array(arguments.dropFirst())) }
        if program == "aziotd", arguments.count >= 2, let kind = Self.named(arguments[1]) {
            return (kind, Array(arguments.dropFirst(2)))
        }
        let names = allCases.map(\.programName).joined(separator: ", ")
        throw UsageError(description: "usage: aziotd keyd|certd|identityd, or run as one of \(names) (a symlink to aziotd)")
    }

    static func named(_ name: String) -> AziotDaemonKind? {
        allCases.first { $0.programName == name || $0.rawValue == name }
    }
}
