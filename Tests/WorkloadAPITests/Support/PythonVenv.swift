import Foundation
import MQTTTestSupport

/// The project's Python virtual environment with the official Azure IoT SDKs (made by scripts/setup.sh at
/// `$IOTEDGE_VENV`, default `<project>/.venv`), and what a container needs to run it: the venv and the Python
/// installation it points to, bind-mounted read-only at their own paths.
struct PythonVenv {
    let root: String
    let pythonHome: String

    var python: String { "\(root)/bin/python" }

    var mounts: [(host: String, container: String)] {
        var mounts = [(root, root)]
        // A Python under /usr is already mounted with /usr.
        if pythonHome != "/usr", !pythonHome.hasPrefix("/usr/") { mounts.append((pythonHome, pythonHome)) }
        return mounts.map { (host: $0.0, container: $0.1 + ":ro") }
    }

    static func locate() throws -> PythonVenv {
        let configured = ProcessInfo.processInfo.environment["IOTEDGE_VENV"] ?? projectRoot().appendingPathComponent(".venv").path
        let root = URL(fileURLWithPath: configured).resolvingSymlinksInPath().path
        guard let config = try? String(contentsOfFile: "\(root)/pyvenv.cfg", encoding: .utf8) else {
            throw TestFailure("no Python venv at \(root) (pyvenv.cfg missing); run scripts/setup.sh, which makes it with azure-iot-device")
        }
        // `home = /root/.pyenv/versions/3.11.7/bin`: the installation is the folder above.
        guard let homeLine = config.split(separator: "\n").first(where: { $0.hasPrefix("home") }),
            let home = homeLine.split(separator: "=", maxSplits: 1).last?.trimmingCharacters(in: .whitespaces)
        else { throw TestFailure("\(root)/pyvenv.cfg names no home") }
        let installation = URL(fileURLWithPath: home).resolvingSymlinksInPath().deletingLastPathComponent().path
        return PythonVenv(root: root, pythonHome: installation)
    }
}
