import Crypto
import Foundation

/// Where certd keeps certificates: preloaded ids at their configured files, every other id at
/// `<homedir>/certs/<id filtered to ASCII alphanumerics>-<hex SHA-256 of id>.cer` (the reference's naming, so an
/// existing device's `/var/lib/aziot/certd` keeps working). Contents are PEM text.
struct CertStore: Sendable {
    let homedir: String
    let preloaded: [(id: String, source: CertdConfiguration.PreloadedCert)]

    /// The file that holds `certId`; nil for a preloaded bundle (which is assembled from other files).
    func path(for certId: String) -> String? {
        if let entry = preloaded.first(where: { $0.id == certId }) {
            if case .file(let path) = entry.source { return path }
            return nil
        }
        return "\(homedir)/certs/\(Self.fileName(for: certId))"
    }

    static func fileName(for certId: String) -> String {
        let alphanumerics = String(certId.unicodeScalars.filter { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0)) })
        let digest = SHA256.hash(data: Data(certId.utf8)).map { String(format: "%02x", $0) }.joined()
        return "\(alphanumerics)-\(digest).cer"
    }

    /// The PEM of `certId`, or nil when there is none.
    func read(_ certId: String) throws -> String? {
        if let entry = preloaded.first(where: { $0.id == certId }), case .bundle(let members) = entry.source {
            var parts: [String] = []
            for member in members {
                guard let pem = try read(member) else { continue }
                parts.append(pem.hasSuffix("\n") ? pem : pem + "\n")
            }
            return parts.isEmpty ? nil : parts.joined()
        }
        guard let path = path(for: certId) else { return nil }
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        return String(decoding: try Data(contentsOf: URL(fileURLWithPath: path)), as: UTF8.self)
    }

    /// Writes `pem` for `certId`, replacing the file atomically.
    func write(_ certId: String, pem: String) throws {
        guard let path = path(for: certId) else { throw CertServiceError.invalidParameter("id", "\(certId) is a preloaded bundle and cannot be written") }
        let directory = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let temporary = "\(path).tmp-\(UUID().uuidString)"
        let text = pem.hasSuffix("\n") ? pem : pem + "\n"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(text.utf8), attributes: [.posixPermissions: 0o644]) else {
            throw CertServiceError.storage("cannot write \(temporary)")
        }
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(atPath: temporary)
            throw CertServiceError.storage("cannot replace \(path): \(reason)")
        }
    }

    /// Removes `certId`'s file; absent is fine.
    func delete(_ certId: String) throws {
        guard let path = path(for: certId) else { throw CertServiceError.invalidParameter("id", "\(certId) is a preloaded bundle and cannot be deleted") }
        if unlink(path) != 0 && errno != ENOENT {
            throw CertServiceError.storage("cannot delete \(path): \(String(cString: strerror(errno)))")
        }
    }
}
