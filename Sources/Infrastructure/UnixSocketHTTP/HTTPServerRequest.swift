public import NIOCore
public import NIOHTTP1

/// One request as a route handler sees it: the parsed target, the path parameters of the matched route, the
/// whole body and the identity of the connected peer.
public struct HTTPServerRequest: Sendable {
    public var method: HTTPMethod
    /// The raw request target, e.g. `/keys/k1?api-version=2020-09-01`.
    public var uri: String
    /// The percent-encoded path part of ``uri``.
    public var path: String
    /// Query parameters, form-urlencoded-decoded; the last occurrence wins.
    public var query: [String: String]
    /// Values of the route's `{param}` segments, percent-decoded.
    public var parameters: [String: String]
    public var headers: HTTPHeaders
    /// The body, or nil when the request had none.
    public var body: ByteBuffer?
    /// Who is calling (from `SO_PEERCRED`).
    public var peer: PeerCredentials
    /// The `api-version` the request was made with (set by the router).
    public var apiVersion: APIVersion?

    public init(
        method: HTTPMethod,
        uri: String,
        headers: HTTPHeaders = [:],
        body: ByteBuffer? = nil,
        peer: PeerCredentials
    ) {
        self.method = method
        self.uri = uri
        let (path, query) = URLComponentsParser.split(uri)
        self.path = path
        self.query = URLComponentsParser.parseQuery(query)
        self.parameters = [:]
        self.headers = headers
        self.body = body
        self.peer = peer
        self.apiVersion = nil
    }
}
