import EdgeDaemon
import Foundation
import NIOHTTP1
import UnixSocketHTTP

#if canImport(Glibc)
import Glibc
#endif

/// Where aziot-edged's management API is (`-H`, else `IOTEDGE_HOST`, else the default socket), and the client on it
/// with errors that say what to do.
struct ManagementConnection {
    static let defaultHost = "unix:///var/run/iotedge/mgmt.sock"

    let uri: String
    let socketPath: String
    let client: ManagementClient

    init(host: String?, environment: [String: String] = ProcessInfo.processInfo.environment) throws(IotedgeError) {
        uri = host ?? environment["IOTEDGE_HOST"].flatMap { $0.isEmpty ? nil : $0 } ?? Self.defaultHost
        guard uri.hasPrefix("unix://"), uri.count > "unix://".count else {
            throw IotedgeError(
                "Invalid management URI \(uri)",
                causes: ["only unix:// URIs are supported (e.g. \(Self.defaultHost)); set -H/--host or IOTEDGE_HOST"])
        }
        socketPath = String(uri.dropFirst("unix://".count))
        client = ManagementClient(socketPath: socketPath, apiVersion: EdgeletAPIVersion.cli)
    }

    /// Runs `body` against the client; a failure becomes "`action`", caused by edged's answer or by why the socket
    /// could not be reached.
    func perform<T>(_ action: String, _ body: (ManagementClient) async throws -> T) async throws(IotedgeError) -> T {
        do {
            return try await body(client)
        } catch {
            throw IotedgeError(action, causes: explain(error))
        }
    }

    /// The cause lines for an error of the management client.
    func explain(_ error: any Error) -> [String] {
        if let answer = error as? ManagementClientError {
            let quoted = "\(answer.message) (aziot-edged answered \(answer.status.code))"
            switch answer.status.code {
            case 404: return [quoted, "is the module name right? `iotedge list` shows the modules"]
            case 403: return [quoted, "aziot-edged refuses this to processes inside module containers; run it on the host"]
            case 500...: return [quoted, "aziot-edged's log may say more: `iotedge system logs`"]
            default: return [quoted]
            }
        }
        if let transport = error as? UnixSocketHTTPError, transport.code == .connect {
            var isDirectory: ObjCBool = false
            if !FileManager.default.fileExists(atPath: socketPath, isDirectory: &isDirectory) {
                return [
                    "the management socket \(socketPath) does not exist",
                    "is aziot-edged running? check `iotedge system status` (or give the socket with -H unix://<path>)",
                ]
            }
            if access(socketPath, R_OK | W_OK) != 0 {
                return [
                    "permission denied on the management socket \(socketPath)",
                    "run as root, or as a member of the group that owns the socket (iotedge)",
                ]
            }
            return [
                "could not connect to aziot-edged on \(socketPath): \(transport)",
                "is aziot-edged running? check `iotedge system status`",
            ]
        }
        return ["\(error)"]
    }
}
