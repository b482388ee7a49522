import EdgeConfigTool
import CheckReport
import AziotClients
import CertService
import Foundation
import IoTHubProtocol
import KeyService
import NIOHTTP1
import TOMLConfig
import X509

/// The certificate checks: expiry of the identity, EST and local CA certificates, preloaded certificates,
/// reading them through certd, EST URLs, and whether preloaded certificates match their keys.
enum CertificateChecks {
    // MARK: expiry

    static func identityExpiry(_ context: inout CheckContext) async -> CheckOutcome {
        guard let identityd = context.identityd else { return .skipped }
        var info: JSONObject = ["provisioning_mode": .string(identityd.provisioning.mode)]
        guard let (certID, _) = identityd.identityCertificate else { return CheckOutcome(.ignored(note: nil), info: info) }
        guard context.certd != nil else { return CheckOutcome(.skipped, info: info) }
        let name: String
        if case .dps = identityd.provisioning { name = "DPS identity" } else { name = "Manual identity" }
        let (result, validity) = await validate(certID, name: name, context: context)
        if let validity { info["certificate_info"] = validity.json }
        return CheckOutcome(result, info: info)
    }

    static func estExpiry(_ context: inout CheckContext) async -> CheckOutcome {
        guard let certd = context.certd else { return .skipped }
        // The EST identity and bootstrap certificates: certd-wide ([cert_issuance.est]) and per certificate.
        var pairs: [(identity: String, bootstrap: String?)] = []
        if let est = certd.est, case .string(let identity)? = est["identity_cert"] {
            var bootstrap: String?
            if case .string(let id)? = est["bootstrap_identity_cert"] { bootstrap = id }
            pairs.append((identity, bootstrap))
        }
        for (_, options) in certd.certIssuance where options.method == .est {
            if case .string(let identity)? = options.estSettings["identity_cert"] {
                var bootstrap: String?
                if case .string(let id)? = options.estSettings["bootstrap_identity_cert"] { bootstrap = id }
                if !pairs.contains(where: { $0.identity == identity && $0.bootstrap == bootstrap }) { pairs.append((identity, bootstrap)) }
            }
        }
        guard !pairs.isEmpty else { return .ignored() }
        var info: JSONObject = [:]
        var identities: [JSONValue] = []
        var bootstraps: [JSONValue] = []
        for pair in pairs {
            if let bootstrap = pair.bootstrap {
                let (result, validity) = await validate(bootstrap, name: "x509 bootstrap", context: context)
                if let validity { bootstraps.append(validity.json) }
                if result != .ok { return finish(result, &info, identities, bootstraps) }
            }
            // With a bootstrap certificate, certd obtains the identity certificate itself over EST.
            let (result, validity) = await validate(pair.identity, name: "x509 identity", context: context, issuedByCertd: pair.bootstrap != nil)
            if let validity { identities.append(validity.json) }
            if result != .ok { return finish(result, &info, identities, bootstraps) }
        }
        return finish(.ok, &info, identities, bootstraps)
    }

    private static func finish(_ result: CheckResult, _ info: inout JSONObject, _ identities: [JSONValue], _ bootstraps: [JSONValue]) -> CheckOutcome {
        if let first = identities.first { info["identity_certificate_info"] = identities.count == 1 ? first : .array(identities) }
        if let first = bootstraps.first { info["bootstrap_certificate_info"] = bootstraps.count == 1 ? first : .array(bootstraps) }
        return CheckOutcome(result, info: info)
    }

    static func localCAExpiry(_ context: inout CheckContext) async -> CheckOutcome {
        guard let certd = context.certd else { return .skipped }
        guard let localCA = certd.localCA else { return .ignored() }
        var info: JSONObject = [:]
        let (result, validity) = await validate(localCA.cert, name: "Local CA", context: context)
        if let validity { info["certificate_info"] = validity.json }
        return CheckOutcome(result, info: info)
    }

    /// A certificate's validity; OK when it is configured to be issued but has not been yet.
    static func validate(
        _ certID: String, name: String, context: CheckContext, issuedByCertd: Bool = false
    ) async -> (CheckResult, CertificateValidity?) {
        guard let certd = context.certd else { return (.skipped, nil) }
        let preloaded = certd.preloadedCerts.first { $0.id == certID }
        switch await CertificateLookup.find(certID, in: context) {
        case .found(let certificate, let source):
            let validity = CertificateValidity(certName: name, certID: certID, certificate: certificate)
            let fix: String
            if case .file(let path)? = preloaded?.source {
                fix = "Replace \(path) with a renewed certificate (and its key, if it changed), then run 'aziotctl system restart'."
            } else {
                fix = "certd issues a new one when it is requested again: remove the expired certificate (\(source)) and run 'aziotctl system restart'."
            }
            return (validity.result(fix: fix), validity)
        case .absent(let reason):
            if preloaded != nil {
                return (.error(CheckMessage(
                    "\(name) certificate '\(certID)' is preloaded but could not be found: \(reason).\n"
                        + "Put the certificate file where [preloaded_certs] says, or correct the path in /etc/aziot/config.toml and run 'aziotctl config apply'.")), nil)
            }
            if issuedByCertd || certd.options(for: certID) != nil { return (.ok, nil) }
            return (.error(CheckMessage(
                "\(name) certificate is neither preloaded nor configured to be dynamically issued, and thus cannot be used.\n"
                    + "Configure the certificate '\(certID)' (a file, or issuance by EST or the local CA) in /etc/aziot/config.toml and run 'aziotctl config apply'.",
                causes: [reason])), nil)
        case .failed(let reason):
            return (.error(CheckMessage(
                "\(name) certificate '\(certID)' could not be read: \(reason).\n"
                    + "Make sure the file exists, holds PEM certificates and is readable by aziotcs (chown aziotcs, chmod 0644), then run 'aziotctl system restart'.")), nil)
        }
    }

    // MARK: certs-preloaded

    /// Every preloaded certificate file is readable by aziotcs, holds valid PEM certificates, and is valid now.
    static func preloaded(_ context: inout CheckContext) async -> CheckOutcome {
        guard let certd = context.certd else { return .skipped }
        let user = context.serviceUser(.certd)
        var errors: [String] = []
        var warnings: [String] = []
        var checked: [JSONValue] = []
        for (id, source) in certd.preloadedCerts {
            guard case .file(let path) = source else { continue }  // bundles name other preloaded ids, checked themselves
            let validity: CertificateValidity
            switch CertificateLookup.read(file: path, certID: id, user: user) {
            case .found(let certificate, _):
                validity = CertificateValidity(certName: "", certID: id, certificate: certificate)
            case .failed(let reason), .absent(let reason):
                errors.append(
                    "preloaded certificate '\(id)' at \(path): \(reason). Make the file a PEM certificate readable by \(user.name) "
                        + "(e.g. chown \(user.name) \(path); chmod 0644 \(path)).")
                continue
            }
            checked.append(validity.json)
            switch validity.result(fix: "Replace \(path) with a renewed certificate, then run 'aziotctl system restart'.") {
            case .error(let message), .fatal(let message): errors.append(message.message)
            case .warning(let message): warnings.append(message.message)
            default: break
            }
        }
        let info: JSONObject = ["certificates": .array(checked)]
        if !errors.isEmpty { return .error((errors + warnings).joined(separator: "\n"), info: info) }
        if !warnings.isEmpty { return .warning(warnings.joined(separator: "\n"), info: info) }
        return CheckOutcome(.ok, info: info)
    }

    // MARK: certs-read

    /// Every preloaded certificate can be read through certd.
    static func read(_ context: inout CheckContext) async -> CheckOutcome {
        guard let certd = context.certd else { return .skipped }
        guard context.running.contains(.certd) else { return .skipped }
        let client = context.certClient
        var errors: [String] = []
        for (id, _) in certd.preloadedCerts {
            do {
                let pem = try await withTimeout(CheckContext.requestTimeout) { try await client.getCertificate(id: id) }
                context.certificates[id] = try PEMCertificates.parse(pem)[0]
            } catch let error as CertClientError {
                errors.append("could not load cert with ID \"\(id)\": certd answered \(error.status.code) \(error.message)")
            } catch {
                errors.append("could not load cert with ID \"\(id)\": \(error)")
            }
        }
        guard errors.isEmpty else {
            return .error(
                errors.joined(separator: "\n")
                    + "\nMake sure each [preloaded_certs] file exists, holds PEM certificates and is readable by aziotcs; then run 'aziotctl system restart'.")
        }
        return .ok
    }

    // MARK: est-server-https

    /// Unlike the reference, this reads certd's configuration only, so it runs whether or not certd does.
    static func estServerHTTPS(_ context: inout CheckContext) async -> CheckOutcome {
        guard let certd = context.certd else { return .skipped }
        var urls: [String] = []
        if let est = certd.est {
            if case .table(let table)? = est["urls"] {
                for (_, value) in table { if case .string(let url) = value { urls.append(url) } }
            }
            if case .string(let url)? = est["url"] { urls.append(url) }
        }
        for (_, options) in certd.certIssuance where options.method == .est {
            if case .string(let url)? = options.estSettings["url"] { urls.append(url) }
        }
        var warnings: [String] = []
        var seen: Set<String> = []
        for url in urls where !url.lowercased().hasPrefix("https://") && seen.insert(url).inserted {
            warnings.append(
                "EST server URL \"\(url)\" is configured with unencrypted HTTP, which may expose device to man-in-the-middle attacks.")
            warnings.append("To clear this warning, configure HTTPS for your EST server and update the URL.")
        }
        return warnings.isEmpty ? .ok : .warning(warnings.joined(separator: "\n"))
    }

    // MARK: certs-match-private-keys

    /// A preloaded certificate and the preloaded key pair with the same id must be halves of one key pair.
    static func matchPrivateKeys(_ context: inout CheckContext) async -> CheckOutcome {
        guard let certd = context.certd, let keyd = context.keyd else { return .skipped }
        guard context.running.contains(.certd), context.running.contains(.keyd) else { return .skipped }
        var errors: [String] = []
        for (id, keyPair) in context.keyPairs.sorted(by: { $0.key < $1.key }) {
            guard let certificate = context.certificates[id] else { continue }
            guard let certificateKey = PEMCertificates.publicKey(of: certificate) else {
                errors.append("preloaded cert with ID \"\(id)\" has a public key of an algorithm keyd does not use (\(certificate.signatureAlgorithm))")
                continue
            }
            guard certificateKey != keyPair else { continue }
            var where_: [String] = []
            if case .file(let path)? = certd.preloadedCerts.first(where: { $0.id == id })?.source { where_.append("certificate \(path)") }
            if let location = keyd.preloadedKeys[id] { where_.append("key \(location.uri)") }
            errors.append(
                "preloaded cert with ID \"\(id)\" does not match preloaded private key with ID \"\(id)\""
                    + (where_.isEmpty ? "" : " (\(where_.joined(separator: ", ")))"))
        }
        guard errors.isEmpty else {
            return .error(
                errors.joined(separator: "\n")
                    + "\nA preloaded certificate must be issued for the preloaded key with the same ID: compare "
                    + "'openssl x509 -noout -pubkey -in <cert>' with 'openssl pkey -pubout -in <key>', put the matching pair in place "
                    + "and run 'aziotctl system restart'.")
        }
        return .ok
    }
}
