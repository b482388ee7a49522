/// Where a preloaded key lives: a file (`file:///abs/path`) or a PKCS#11 object (`pkcs11:…`).
///
/// ``description`` is the form written to keyd's `[preloaded_keys]`: the file URL rebuilt from the decoded
/// path, or the canonical PKCS#11 URI (``PKCS11URI/description``).
public enum PreloadedKeyLocation: Sendable, Hashable, CustomStringConvertible {
    case file(path: String)
    case pkcs11(PKCS11URI)

    public init(parsing text: String) throws(PreloadedKeyLocationError) {
        guard let colon = text.firstIndex(of: ":") else {
            throw PreloadedKeyLocationError("\"\(text)\" is not a URI: expected file:///… or pkcs11:…")
        }
        switch text[..<colon] {
        case "file":
            let url: ConfigURL
            do {
                url = try ConfigURL(parsing: text)
            } catch {
                throw PreloadedKeyLocationError(error.description)
            }
            guard let path = url.filePath else { throw PreloadedKeyLocationError("\"\(text)\" cannot be converted to a local file path") }
            self = .file(path: path)
        case "pkcs11":
            do {
                self = .pkcs11(try PKCS11URI(parsing: text))
            } catch {
                throw PreloadedKeyLocationError(error.message)
            }
        default:
            throw PreloadedKeyLocationError("\"\(text)\" has an unsupported scheme: expected file:///… or pkcs11:…")
        }
    }

    public var description: String {
        switch self {
        case .file(let path): ConfigURL.fileURL(path: path)
        case .pkcs11(let uri): uri.description
        }
    }
}

/// A key location that could not be parsed.
public struct PreloadedKeyLocationError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
