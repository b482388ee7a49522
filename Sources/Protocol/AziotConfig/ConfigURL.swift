internal import IoTHubProtocol

/// A URL from the super-config (`global_endpoint`, EST URLs, `file://` certificate locations, payload files),
/// validated and written back the way a WHATWG URL parser writes it, as the reference's output does:
/// the scheme and host lower-cased, a default port dropped, an empty path of an `http(s)` URL written `/`,
/// `.` and `..` segments resolved, and the characters a URL may not hold literally percent-encoded.
///
/// This is the subset of the WHATWG URL standard that configuration files use; it does not convert
/// international domain names.
public struct ConfigURL: Sendable, Hashable, CustomStringConvertible {
    /// The normalised text.
    public let text: String
    /// The lower-cased scheme, without `:`.
    public let scheme: String
    /// The host (empty for `file:///…`).
    public let host: String
    /// The percent-encoded path.
    public let path: String

    public var description: String { text }

    private static let defaultPorts: [String: String] = ["http": "80", "https": "443", "ws": "80", "wss": "443", "ftp": "21"]

    public init(parsing input: String) throws(ConfigURLError) {
        var trimmed = Substring(input)
        while let first = trimmed.unicodeScalars.first, first.value <= 0x20 { trimmed = trimmed.dropFirst() }
        while let last = trimmed.unicodeScalars.last, last.value <= 0x20 { trimmed = trimmed.dropLast() }
        let cleaned = String(trimmed.filter { $0 != "\t" && $0 != "\n" && $0 != "\r" })

        guard let colon = cleaned.firstIndex(of: ":") else { throw ConfigURLError(input, "relative URL without a base") }
        let scheme = cleaned[..<colon].lowercased()
        guard let first = scheme.unicodeScalars.first, first.isASCIILetter,
            scheme.unicodeScalars.allSatisfy({ $0.isASCIILetter || $0.isASCIIDigit || $0 == "+" || $0 == "-" || $0 == "." })
        else { throw ConfigURLError(input, "relative URL without a base") }
        var rest = Substring(cleaned[cleaned.index(after: colon)...])
        self.scheme = scheme

        // Fragment and query, then what is left is authority and path.
        var fragment: Substring?
        if let hash = rest.firstIndex(of: "#") {
            fragment = rest[rest.index(after: hash)...]
            rest = rest[..<hash]
        }
        var query: Substring?
        if let mark = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: mark)...]
            rest = rest[..<mark]
        }

        let special = scheme == "file" || Self.defaultPorts[scheme] != nil
        guard special else {
            // Non-special schemes are kept as written.
            host = ""
            path = String(rest)
            var text = scheme + ":" + rest
            if let query { text += "?" + query }
            if let fragment { text += "#" + fragment }
            self.text = text
            return
        }

        let unified = String(rest.map { $0 == "\\" ? "/" : $0 })
        var remainder = Substring(unified)
        var authority: Substring = ""
        if scheme == "file" {
            if remainder.hasPrefix("//") {
                remainder = remainder.dropFirst(2)
                let end = remainder.firstIndex(of: "/") ?? remainder.endIndex
                authority = remainder[..<end]
                remainder = remainder[end...]
            }
        } else {
            while remainder.first == "/" { remainder = remainder.dropFirst() }
            let end = remainder.firstIndex(of: "/") ?? remainder.endIndex
            authority = remainder[..<end]
            remainder = remainder[end...]
        }

        var userinfo = ""
        var hostPort = authority
        if let at = authority.lastIndex(of: "@") {
            guard scheme != "file" else { throw ConfigURLError(input, "a file URL cannot hold credentials") }
            let credentials = authority[..<at]
            if let separator = credentials.firstIndex(of: ":") {
                userinfo = Self.encode(String(credentials[..<separator]), keeping: Self.isUserinfoCharacter) + ":"
                    + Self.encode(String(credentials[credentials.index(after: separator)...]), keeping: Self.isUserinfoCharacter) + "@"
            } else {
                userinfo = Self.encode(String(credentials), keeping: Self.isUserinfoCharacter) + "@"
            }
            hostPort = authority[authority.index(after: at)...]
        }
        var hostText = hostPort
        var port = ""
        if let portColon = hostPort.lastIndex(of: ":"), !hostPort[portColon...].contains("]") {
            hostText = hostPort[..<portColon]
            port = String(hostPort[hostPort.index(after: portColon)...])
            guard port.unicodeScalars.allSatisfy(\.isASCIIDigit) else { throw ConfigURLError(input, "invalid port \"\(port)\"") }
            if !port.isEmpty {
                guard let number = Int(port), number <= 65_535 else { throw ConfigURLError(input, "invalid port \"\(port)\"") }
                port = String(number)
            }
            if port == Self.defaultPorts[scheme] { port = "" }
        }
        var host = hostText.lowercased()
        if scheme == "file" {
            if host == "localhost" { host = "" }
            guard port.isEmpty else { throw ConfigURLError(input, "a file URL cannot have a port") }
        } else {
            guard !host.isEmpty else { throw ConfigURLError(input, "empty host") }
        }
        let forbidden: Set<Unicode.Scalar> = [" ", "<", ">", "^", "|", "%", "\"", "`", "{", "}", "/", "?", "#", "@"]
        if !host.hasPrefix("[") {
            guard !host.unicodeScalars.contains(where: { forbidden.contains($0) || $0.value < 0x20 || $0.value == 0x7F }) else {
                throw ConfigURLError(input, "invalid host \"\(hostText)\"")
            }
        }
        self.host = host

        // Path: resolve dot segments, percent-encode what may not appear literally.
        var segments: [String] = []
        let pathText = remainder.first == "/" ? remainder.dropFirst() : remainder
        let rawSegments = pathText.isEmpty && remainder.isEmpty ? [] : pathText.split(separator: "/", omittingEmptySubsequences: false)
        for (index, raw) in rawSegments.enumerated() {
            let isLast = index == rawSegments.count - 1
            switch raw.lowercased() {
            case ".", "%2e":
                if isLast { segments.append("") }
            case "..", ".%2e", "%2e.", "%2e%2e":
                if !segments.isEmpty { segments.removeLast() }
                if isLast { segments.append("") }
            default:
                segments.append(Self.encode(String(raw), keeping: Self.isPathCharacter))
            }
        }
        let path = "/" + segments.joined(separator: "/")
        self.path = path

        var text = scheme + "://" + userinfo + host + (port.isEmpty ? "" : ":" + port) + path
        if let query { text += "?" + Self.encode(String(query), keeping: { $0 != UInt8(ascii: "'") && Self.isQueryCharacter($0) }) }
        if let fragment { text += "#" + Self.encode(String(fragment), keeping: Self.isFragmentCharacter) }
        self.text = text
    }

    /// The local path of a `file:` URL with no host, percent-decoded; nil for any other URL.
    public var filePath: String? {
        guard scheme == "file", host.isEmpty else { return nil }
        return try? PercentEncoding.decode(path)
    }

    /// The `file://` URL of an absolute path, each segment encoded as the reference encodes file paths.
    public static func fileURL(path: String) -> String {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        return "file:///" + segments.map { encode(String($0), keeping: { isPathCharacter($0) && $0 != UInt8(ascii: "%") }) }.joined(separator: "/")
    }

    // MARK: Percent-encode sets (WHATWG).

    private static func isFragmentCharacter(_ byte: UInt8) -> Bool {
        byte > 0x20 && byte < 0x7F && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "<") && byte != UInt8(ascii: ">")
            && byte != UInt8(ascii: "`")
    }

    private static func isQueryCharacter(_ byte: UInt8) -> Bool {
        byte > 0x20 && byte < 0x7F && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "#") && byte != UInt8(ascii: "<")
            && byte != UInt8(ascii: ">")
    }

    private static func isPathCharacter(_ byte: UInt8) -> Bool {
        isQueryCharacter(byte) && byte != UInt8(ascii: "?") && byte != UInt8(ascii: "`") && byte != UInt8(ascii: "{")
            && byte != UInt8(ascii: "}")
    }

    private static func isUserinfoCharacter(_ byte: UInt8) -> Bool {
        isPathCharacter(byte) && !"/:;=@[\\]^|".utf8.contains(byte)
    }

    private static func encode(_ text: String, keeping keep: (UInt8) -> Bool) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var bytes: [UInt8] = []
        for byte in text.utf8 {
            if keep(byte) {
                bytes.append(byte)
            } else {
                bytes += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// A URL that could not be parsed.
public struct ConfigURLError: Error, Sendable, Equatable, CustomStringConvertible {
    public let input: String
    public let reason: String

    public init(_ input: String, _ reason: String) {
        self.input = input
        self.reason = reason
    }

    public var description: String { "invalid URL \"\(input)\": \(reason)" }
}

extension Unicode.Scalar {
    fileprivate var isASCIILetter: Bool { ("a"..."z").contains(self) || ("A"..."Z").contains(self) }
    fileprivate var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
