public import NIOHTTP1

/// An `api-version` value such as `2020-09-01`. Versions are dates, so they order as strings.
public struct APIVersion: Sendable, Hashable, Comparable, ExpressibleByStringLiteral, CustomStringConvertible {
    public let rawValue: String
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }
    public var description: String { rawValue }
    public static func < (lhs: APIVersion, rhs: APIVersion) -> Bool { lhs.rawValue < rhs.rawValue }
    /// Sorts after every real version: the open upper bound of `since:` routes.
    public static let unbounded = APIVersion("\u{10FFFF}")
}

/// A path pattern such as `/identities/modules/{moduleId}`: literal segments match exactly (after percent-decoding),
/// `{name}` segments match any one non-empty segment and are handed to the handler percent-decoded.
public struct PathPattern: Sendable, Hashable, ExpressibleByStringLiteral, CustomStringConvertible {
    enum Segment: Sendable, Hashable {
        case literal(String)
        case parameter(String)
    }

    let segments: [Segment]
    public let description: String

    public init(_ pattern: String) {
        description = pattern
        segments = pattern.split(separator: "/", omittingEmptySubsequences: true).map { segment in
            if segment.hasPrefix("{"), segment.hasSuffix("}") {
                return .parameter(String(segment.dropFirst().dropLast()))
            }
            return .literal(String(segment))
        }
    }

    public init(stringLiteral value: String) { self.init(value) }

    /// The parameters if `path` (percent-encoded, without query) matches, else nil.
    func match(_ path: String) -> [String: String]? {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        let trimmed = parts.last == "" && parts.count > 1 ? Array(parts.dropLast()) : Array(parts)
        let pathSegments = trimmed == [""] ? [] : trimmed
        guard pathSegments.count == segments.count else { return nil }
        var parameters: [String: String] = [:]
        for (segment, raw) in zip(segments, pathSegments) {
            guard let decoded = URLComponentsParser.percentDecode(raw) else { return nil }
            switch segment {
            case .literal(let literal):
                guard decoded == literal else { return nil }
            case .parameter(let name):
                guard !decoded.isEmpty else { return nil }
                parameters[name] = decoded
            }
        }
        return parameters
    }
}

/// One endpoint: a method, a path pattern, the `api-version`s it accepts (`[min, max)`) and its handler.
public struct HTTPRoute: Sendable {
    public typealias Handler = @Sendable (HTTPServerRequest) async throws -> HTTPServerResponse

    public let method: HTTPMethod
    public let pattern: PathPattern
    public let apiVersions: Range<APIVersion>
    public let handler: Handler

    public init(_ method: HTTPMethod, _ pattern: PathPattern, apiVersions: Range<APIVersion>, handler: @escaping Handler) {
        self.method = method
        self.pattern = pattern
        self.apiVersions = apiVersions
        self.handler = handler
    }

    /// A route accepting every version from `since` on.
    public init(_ method: HTTPMethod, _ pattern: PathPattern, since: APIVersion, handler: @escaping Handler) {
        self.init(method, pattern, apiVersions: since..<APIVersion.unbounded, handler: handler)
    }
}

/// Dispatches requests to routes with the aziot `http-common` rules:
/// - `api-version` is mandatory: missing → `400 api-version not specified`; a version that is not one of
///   ``knownVersions`` (or, without that list, inside no route's range) → `400 invalid api-version "X"`;
/// - no route matching path and version → `404 not found`;
/// - a route matching path and version but not the method → `400 method not allowed`;
/// - a handler's ``HTTPResponseError`` → its status and message; any other error → `500 internal error`.
public struct HTTPRouter: Sendable {
    public var routes: [HTTPRoute]
    /// The service's whole `api-version` enum. Nil: a version is known when some route accepts it.
    public var knownVersions: Set<APIVersion>?

    public init(routes: [HTTPRoute] = [], knownVersions: Set<APIVersion>? = nil) {
        self.routes = routes
        self.knownVersions = knownVersions
    }

    public mutating func add(_ route: HTTPRoute) { routes.append(route) }

    /// Answers one request; never throws.
    public func respond(to request: HTTPServerRequest) async -> HTTPServerResponse {
        guard let versionText = request.query["api-version"] else { return .error(HTTPError.apiVersionMissing) }
        let version = APIVersion(versionText)
        let known = knownVersions?.contains(version) ?? routes.contains { $0.apiVersions.contains(version) }
        guard known else { return .error(HTTPError.invalidAPIVersion(versionText)) }

        var pathMatched = false
        for route in routes where route.apiVersions.contains(version) {
            guard let parameters = route.pattern.match(request.path) else { continue }
            guard route.method == request.method else {
                pathMatched = true
                continue
            }
            var request = request
            request.parameters = parameters
            request.apiVersion = version
            do {
                return try await route.handler(request)
            } catch {
                return .error(error)
            }
        }
        return .error(pathMatched ? HTTPError.methodNotAllowed : HTTPError.notFound)
    }
}
