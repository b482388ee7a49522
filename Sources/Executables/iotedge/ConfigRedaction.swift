import Foundation
import TOMLConfig

/// Removes secrets from a configuration file before it goes into a support bundle: the file is parsed as TOML,
/// secret values are replaced by `"<redacted>"`, and the table is written back (comments are lost). A file that does
/// not parse is left out, with a note, since it cannot be searched reliably.
///
/// Secret: the value of a key named `value` (inline keys: `device_id_pk = { value = "…" }`), `symmetric_key`,
/// `password`, `pin`, `token` and similar, or whose name contains `password`, `secret`, `token` or `passphrase`; a
/// `pk`/`*_pk` string that is not a `file://` or `pkcs11:` URI; any PEM private key; the `SharedAccessKey=` part of a
/// connection string; a `SharedAccessSignature …` or `Bearer …` token; a PKCS#11 URI's `pin-value`.
enum ConfigRedaction {
    static let placeholder = "<redacted>"

    static let secretKeys: Set<String> = [
        "value", "symmetric_key", "password", "passwd", "pass", "pin", "user_pin", "token", "auth_token", "sas_token",
        "access_token", "shared_access_key", "sharedaccesskey", "primary_key", "secondary_key", "private_key", "key_bytes",
    ]
    static let secretFragments = ["password", "secret", "token", "passphrase"]

    /// The file's text with its secrets removed.
    static func redact(toml text: String, source: String) -> String {
        let table: ConfigTable
        do {
            table = try ConfigTable(toml: text, source: source)
        } catch {
            return "# \(source) could not be parsed (\(error)); its contents are left out because they may hold secrets.\n"
        }
        return TOMLWriter.write(redact(table))
    }

    static func redact(_ table: ConfigTable) -> ConfigTable {
        var result = table
        for (key, value) in table {
            result[key] = redact(value, key: key)
        }
        return result
    }

    static func isSecretKey(_ key: String) -> Bool {
        let lowered = key.lowercased()
        return secretKeys.contains(lowered) || secretFragments.contains { lowered.contains($0) }
    }

    static func redact(_ value: ConfigValue, key: String?) -> ConfigValue {
        if let key, isSecretKey(key) { return wipe(value) }
        switch value {
        case .table(let table):
            return .table(redact(table))
        case .array(let items):
            return .array(items.map { redact($0, key: key) })
        case .string(let text):
            if let key, key == "pk" || key.hasSuffix("_pk"), !(text.hasPrefix("file://") || text.hasPrefix("pkcs11:")) {
                return .string(placeholder)
            }
            return .string(redact(string: text))
        default:
            return value
        }
    }

    /// Every leaf of a secret value replaced (tables keep their keys, so the shape stays visible).
    static func wipe(_ value: ConfigValue) -> ConfigValue {
        switch value {
        case .table(let table):
            var result = table
            for (key, inner) in table { result[key] = wipe(inner) }
            return .table(result)
        case .array(let items):
            return .array(items.map(wipe))
        default:
            return .string(placeholder)
        }
    }

    /// A string with connection-string keys, SAS tokens and PEM private keys removed.
    static func redact(string text: String) -> String {
        if text.contains("PRIVATE KEY-----") { return placeholder }
        if text.hasPrefix("SharedAccessSignature ") || text.hasPrefix("Bearer ") { return placeholder }
        var text = text
        // A PKCS#11 URI's PIN: `pkcs11:slot-id=0?pin-value=1234`.
        var searchStart = text.startIndex
        while let range = text.range(of: "pin-value=", options: .caseInsensitive, range: searchStart..<text.endIndex) {
            let end = text[range.upperBound...].firstIndex { $0 == "&" || $0 == ";" } ?? text.endIndex
            let offset = text.distance(from: text.startIndex, to: range.upperBound)
            text.replaceSubrange(range.upperBound..<end, with: placeholder)
            searchStart = text.index(text.startIndex, offsetBy: offset + placeholder.count)
        }
        guard text.range(of: "SharedAccessKey=", options: .caseInsensitive) != nil || text.range(of: "SharedAccessSignature=", options: .caseInsensitive) != nil
        else { return text }
        return text.split(separator: ";", omittingEmptySubsequences: false).map { part -> String in
            guard let equals = part.firstIndex(of: "=") else { return String(part) }
            let name = part[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            guard name == "sharedaccesskey" || name == "sharedaccesssignature" else { return String(part) }
            return String(part[...equals]) + placeholder
        }.joined(separator: ";")
    }
}
