public import DockerClient
public import IoTHubProtocol
public import NIOCore
public import NIOHTTP1
public import NIOPosix
public import UnixSocketHTTP

/// A client of edged's management API over its Unix socket — what the `iotedge` CLI and tests use. Module logs come
/// back demultiplexed into Docker's frames, however the HTTP body was chunked.
public struct ManagementClient: Sendable {
    public let http: UnixSocketHTTPClient
    public let apiVersion: APIVersion

    public init(socketPath: String, apiVersion: APIVersion = EdgeletAPIVersion.cli, eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        http = UnixSocketHTTPClient(socketPath: socketPath, host: "mgmt.sock", eventLoopGroup: eventLoopGroup)
        self.apiVersion = apiVersion
    }

    /// One module as the API reports it.
    public struct Module: Sendable, Hashable {
        public var name: String
        public var status: ModuleRuntimeStatus
        public var image: String
        public var imageHash: String?
        public var startTime: String?
        public var exitTime: String?
        public var exitCode: String?
        public var labels: [String: String]
        public var json: JSONValue

        public init(json: JSONValue) {
            self.json = json
            name = json["name"]?.stringValue ?? ""
            status = json["status"]?["runtimeStatus"]?["status"]?.stringValue.flatMap(ModuleRuntimeStatus.init(rawValue:)) ?? .unknown
            let settings = json["config"]?["settings"]
            image = settings?["image"]?.stringValue ?? ""
            imageHash = settings?["imageHash"]?.stringValue
            startTime = json["status"]?["startTime"]?.stringValue
            exitTime = json["status"]?["exitStatus"]?["exitTime"]?.stringValue
            exitCode = json["status"]?["exitStatus"]?["statusCode"]?.stringValue
            var labels: [String: String] = [:]
            for (key, value) in settings?["createOptions"]?["Labels"]?.objectValue ?? [:] {
                if let text = value.stringValue { labels[key] = text }
            }
            self.labels = labels
        }
    }

    public func modules() async throws -> [Module] {
        let json = try await call(.GET, "/modules")
        return (json["modules"]?.arrayValue ?? []).map(Module.init(json:))
    }

    public func module(_ name: String) async throws -> Module {
        Module(json: try await call(.GET, "/modules/\(IdentityClient.segment(name))"))
    }

    /// `POST /modules`; the echo edged answers with.
    @discardableResult
    public func createModule(_ spec: JSONValue) async throws -> JSONValue {
        try await call(.POST, "/modules", body: spec)
    }

    @discardableResult
    public func updateModule(_ name: String, _ spec: JSONValue, start: Bool) async throws -> JSONValue {
        try await call(.PUT, "/modules/\(IdentityClient.segment(name))?start=\(start)", body: spec)
    }

    public func prepareUpdate(_ name: String, _ spec: JSONValue) async throws {
        _ = try await call(.POST, "/modules/\(IdentityClient.segment(name))/prepareupdate", body: spec)
    }

    public func deleteModule(_ name: String) async throws { _ = try await call(.DELETE, "/modules/\(IdentityClient.segment(name))") }
    public func startModule(_ name: String) async throws { _ = try await call(.POST, "/modules/\(IdentityClient.segment(name))/start") }
    public func stopModule(_ name: String) async throws { _ = try await call(.POST, "/modules/\(IdentityClient.segment(name))/stop") }
    public func restartModule(_ name: String) async throws { _ = try await call(.POST, "/modules/\(IdentityClient.segment(name))/restart") }

    /// `GET /modules/{name}/logs` demultiplexed into Docker's frames (stdout and stderr).
    public func logs(_ name: String, tail: String = "all", since: String? = nil, until: String? = nil, timestamps: Bool = false) async throws
        -> [DockerLogFrame]
    {
        var query = "follow=false&tail=\(IdentityClient.segment(tail))&timestamps=\(timestamps)"
        if let since { query += "&since=\(IdentityClient.segment(since))" }
        if let until { query += "&until=\(IdentityClient.segment(until))" }
        let response = try await send(.GET, "/modules/\(IdentityClient.segment(name))/logs?\(query)")
        var demultiplexer = DockerLogDemultiplexer()
        let frames = try demultiplexer.feed(response.body)
        try demultiplexer.finish()
        return frames
    }

    /// `GET /modules/{name}/logs?follow=true`: the module's output as Docker's frames, as it is written, until the
    /// module stops or the consumer stops (see ``ModuleLogStream``). `tail`, `since`, `until` and `timestamps` as for
    /// ``logs(_:tail:since:until:timestamps:)``. An error answer throws ``ManagementClientError`` here.
    public func followLogs(_ name: String, tail: String = "all", since: String? = nil, until: String? = nil, timestamps: Bool = false)
        async throws -> ModuleLogStream
    {
        var query = "follow=true&tail=\(IdentityClient.segment(tail))&timestamps=\(timestamps)"
        if let since { query += "&since=\(IdentityClient.segment(since))" }
        if let until { query += "&until=\(IdentityClient.segment(until))" }
        let response = try await http.stream(.GET, "/modules/\(IdentityClient.segment(name))/logs?\(query)&api-version=\(apiVersion.rawValue)")
        guard (200..<300).contains(response.status.code) else {
            let body = try await response.collect(upTo: 1 << 20)
            let message = (try? JSONValue(parsing: body.readableBytesView))?["message"]?.stringValue ?? String(buffer: body)
            throw ManagementClientError(status: response.status, message: message)
        }
        return ModuleLogStream(body: response.body)
    }

    public func systemInfo() async throws -> JSONValue { try await call(.GET, "/systeminfo") }

    /// `GET /systeminfo/resources` (needs api-version 2019-11-05 or later).
    public func systemResources() async throws -> JSONValue { try await call(.GET, "/systeminfo/resources") }

    /// Sends a request; a non-2xx answer throws ``ManagementClientError`` with edged's message.
    public func send(_ method: HTTPMethod, _ path: String, body: JSONValue? = nil) async throws -> UnixSocketHTTPClient.Response {
        let separator = path.contains("?") ? "&" : "?"
        var headers: HTTPHeaders = [:]
        var buffer: ByteBuffer?
        if let body {
            headers.add(name: "Content-Type", value: "application/json")
            buffer = ByteBuffer(bytes: body.jsonBytes)
        }
        let response = try await http.request(method, "\(path)\(separator)api-version=\(apiVersion.rawValue)", headers: headers, body: buffer)
        guard (200..<300).contains(response.status.code) else {
            let message = (try? JSONValue(parsing: response.body.readableBytesView))?["message"]?.stringValue ?? response.bodyText
            throw ManagementClientError(status: response.status, message: message)
        }
        return response
    }

    func call(_ method: HTTPMethod, _ path: String, body: JSONValue? = nil) async throws -> JSONValue {
        let response = try await send(method, path, body: body)
        guard response.body.readableBytes > 0 else { return .null }
        return try JSONValue(parsing: response.body.readableBytesView)
    }
}
