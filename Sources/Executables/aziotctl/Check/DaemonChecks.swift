import EdgeConfigTool
import CheckReport
import AziotClients
import Foundation
import IoTHubProtocol
import NIOHTTP1
import KeyService
import UnixSocketHTTP

/// `*-running` (a real request on each daemon's socket) and `key-pairs-read`.
enum DaemonChecks {
    /// The request that shows a daemon serves its API: any 2xx or 4xx answer does.
    static func probe(_ daemon: AziotDaemon) -> (target: String, apiVersion: String) {
        switch daemon {
        case .identityd: ("/identities/provisioning?api-version=2021-12-01", "2021-12-01")
        // No route answers `/`: keyd, certd and tpmd route it and answer 404 "not found" without touching any key.
        case .keyd, .certd, .tpmd: ("/?api-version=2020-09-01", "2020-09-01")
        }
    }

    static func running(_ daemon: AziotDaemon) -> (inout CheckContext) async -> CheckOutcome {
        { context in await running(daemon, &context) }
    }

    static func running(_ daemon: AziotDaemon, _ context: inout CheckContext) async -> CheckOutcome {
        // Only TPM provisioning uses tpmd; without identityd's configuration nobody can tell, so try.
        if daemon == .tpmd, let identityd = context.identityd {
            guard case .dps(_, _, .tpm) = identityd.provisioning else { return .ignored() }
        }
        let socket = context.socketPath(daemon)
        let info: JSONObject = ["socket": .string(socket)]
        let client = UnixSocketHTTPClient(socketPath: socket, host: "\(daemon.rawValue).sock")
        let probe = probe(daemon)
        let response: UnixSocketHTTPClient.Response
        do {
            response = try await withTimeout(CheckContext.requestTimeout) { try await client.request(.GET, probe.target) }
        } catch {
            return .error(
                "Could not connect to \(daemon.rawValue) on unix://\(socket).\n"
                    + "Start it with 'aziotctl system restart' (or run 'aziot-\(daemon.rawValue)' when systemd is not used); "
                    + "if it is running, check that this user may open the socket (run as root) and see 'aziotctl system logs'.",
                causes: ["\(error)"], info: info)
        }
        guard response.status.code < 500 else {
            return .error(
                "\(daemon.rawValue) on unix://\(socket) answered \(response.status.code) \(errorMessage(response.bodyText)).\n"
                    + "See its log ('aziotctl system logs') and restart it with 'aziotctl system restart'.",
                info: info)
        }
        context.running.insert(daemon)
        return CheckOutcome(.ok, info: info)
    }

    // MARK: key-pairs-read

    static let rsaRecommendedMinimumBits = 2048
    static let p256OID: [UInt8] = [0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07]

    /// Loads every preloaded key through keyd: files must be readable by aziotks; key pairs should be RSA ≥ 2048
    /// bits or EC P-256.
    static func readKeyPairs(_ context: inout CheckContext) async -> CheckOutcome {
        guard let keyd = context.keyd else { return .skipped }
        guard context.running.contains(.keyd) else { return .skipped }
        let user = context.serviceUser(.keyd)
        let client = context.keyClient
        var errors: [String] = []
        var warnings: [String] = []
        var keys: [JSONValue] = []
        for (id, location) in keyd.preloadedKeys.sorted(by: { $0.key < $1.key }) {
            if case .file(let path) = location, let problem = PreloadedFileCheck.problem(reading: path, as: user) {
                errors.append(
                    "preloaded key \"\(id)\" (\(path)) cannot be read by user \(user.name): \(problem)")
                continue
            }
            let handle: KeyHandle
            do {
                handle = try await withTimeout(CheckContext.requestTimeout) { try await client.loadKeyPair(id: id) }
            } catch {
                // Not a key pair: a symmetric key (the device's SAS key) loads through /key instead.
                if (try? await withTimeout(CheckContext.requestTimeout, { try await client.loadKey(id: id) })) != nil {
                    keys.append(.object(["id": .string(id), "type": .string("symmetric")]))
                    continue
                }
                errors.append("could not load preloaded key with ID \"\(id)\" through keyd: \(describe(error))")
                continue
            }
            do {
                let publicKey = try await publicKey(of: handle, client: client)
                context.keyPairs[id] = publicKey
                switch publicKey {
                case .rsa(let modulus, _):
                    let bits = bitLength(modulus)
                    keys.append(.object(["id": .string(id), "type": .string("rsa"), "bits": .int(Int64(bits))]))
                    if bits < rsaRecommendedMinimumBits {
                        warnings.append("RSA key \(id) has length \(bits) (min recommended: \(rsaRecommendedMinimumBits))")
                    }
                case .ec(let oid, _):
                    keys.append(.object(["id": .string(id), "type": .string("ec"), "curve_oid": .string(Data(oid).base64EncodedString())]))
                    if oid != p256OID { warnings.append("EC key \(id) not using recommended curve (recommended: P-256)") }
                }
            } catch {
                errors.append("could not load preloaded private key with ID \"\(id)\": \(describe(error))")
            }
        }
        let info: JSONObject = ["keys": .array(keys)]
        if !errors.isEmpty {
            return .error(
                errors.joined(separator: "\n")
                    + "\nEach [preloaded_keys] file must exist, hold a PEM private key and be readable by \(user.name) "
                    + "(chown \(user.name) <file>; chmod 0600 <file>); then run 'aziotctl system restart'. "
                    + "Run this check as root: keyd lets only root and its principals load keys.",
                info: info)
        }
        if !warnings.isEmpty {
            return .warning(
                warnings.joined(separator: "\n") + "\nReplace these keys (and their certificates) with RSA keys of at least 2048 bits or EC P-256 keys.",
                info: info)
        }
        return CheckOutcome(.ok, info: info)
    }

    static func publicKey(of handle: KeyHandle, client: KeyClient) async throws -> KeyPairPublicKey {
        let algorithm = try await withTimeout(CheckContext.requestTimeout) { try await client.keyPairParameter(.algorithm, of: handle) }
        switch algorithm {
        case "RSA":
            let modulus = try await parameter(.rsaModulus, handle, client)
            let exponent = try await parameter(.rsaExponent, handle, client)
            return .rsa(modulus: PEMCertificates.stripLeadingZeros(modulus), exponent: PEMCertificates.stripLeadingZeros(exponent))
        case "ECDSA":
            return .ec(curveOID: try await parameter(.ecCurveOID, handle, client), compressedPoint: try await parameter(.ecPoint, handle, client))
        default:
            throw KeyCheckError(description: "Key not using recommended algorithm (recommended: RSA, EC): keyd reports \(algorithm)")
        }
    }

    private static func parameter(_ name: KeyPairParameter, _ handle: KeyHandle, _ client: KeyClient) async throws -> [UInt8] {
        let text = try await withTimeout(CheckContext.requestTimeout) { try await client.keyPairParameter(name, of: handle) }
        guard let data = Data(base64Encoded: text) else {
            throw KeyCheckError(description: "keyd's \(name.rawValue) is not base64")
        }
        return Array(data)
    }

    static func bitLength(_ bigEndian: [UInt8]) -> Int {
        guard let first = bigEndian.first(where: { $0 != 0 }), let index = bigEndian.firstIndex(of: first) else { return 0 }
        return (bigEndian.count - index - 1) * 8 + (8 - first.leadingZeroBitCount)
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? KeyClientError { return "keyd answered \(error.status.code) \(error.message)" }
        return "\(error)"
    }
}

struct KeyCheckError: Error, CustomStringConvertible {
    var description: String
}
