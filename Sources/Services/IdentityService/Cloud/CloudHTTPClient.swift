import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL

/// A TLS client credential whose private key stays in keyd: the certificate chain (leaf first) and the key pair.
public struct TLSClientIdentity: Sendable {
    public var certificateChainPEM: String
    public var key: KeydKeyPair

    public init(certificateChainPEM: String, key: KeydKeyPair) {
        self.certificateChainPEM = certificateChainPEM
        self.key = key
    }
}

/// HTTPS to IoT Hub and DPS with the reference's outbound rules (§1.7):
/// - HTTP/1.1; system trust roots plus ``CloudClientOptions/additionalTrustedCAFiles``; an optional client
///   certificate whose key signs through keyd; the `HTTPS_PROXY` proxy;
/// - a per-attempt timeout, and `retries` more attempts ``CloudClientOptions/retryDelay`` apart,
///   only after transport failures (any answered status other than 429 is returned as it is);
/// - `429` waits 60/120/180/300 s (plus jitter) between at most five attempts;
/// - the `Authorization` header is made again for every attempt (SAS tokens live 30 s).
///
/// Transport failures before a response (connect, DNS, TLS handshake, timeouts) are ``CloudError/Kind/network``.
struct CloudHTTPClient: Sendable {
    let options: CloudClientOptions
    /// Per-attempt timeout (`cloud_timeout_sec`).
    let timeout: Duration
    /// Extra attempts after a transport failure (`cloud_retries`).
    let retries: Int
    let logger: Logger

    struct Request: Sendable {
        var method: HTTPMethod
        var url: String
        var headers: [(name: String, value: String)] = []
        /// JSON body, sent with `Content-Type: application/json`.
        var body: [UInt8]?
        /// Makes the `Authorization` header value for one attempt (nil: no header).
        var authorization: (@Sendable () async throws -> String?)?
    }

    struct Response: Sendable {
        var status: Int
        var headers: HTTPHeaders
        var body: [UInt8]

        /// The body as JSON of type `T`, after the reference's content-type rule: a `Content-Type` header, if present,
        /// must contain `application/json`.
        func decodeJSON<T: Decodable>(_ type: T.Type) throws(CloudError) -> T {
            if let contentType = headers.first(name: "Content-Type"), !contentType.lowercased().contains("application/json") {
                throw CloudError(.invalidResponse, "invalid Content-Type \(contentType); expected JSON")
            }
            do {
                return try JSONDecoder().decode(T.self, from: Data(body))
            } catch {
                throw CloudError(.invalidResponse, "cannot parse the \(T.self) answer: \(error)")
            }
        }

        var bodyText: String { String(decoding: body, as: UTF8.self) }
    }

    /// Sends the request with retries; `identity` authenticates the TLS connection when given.
    /// Cancellation of the calling task ends the call at once with `CancellationError` (not a ``CloudError``).
    func send(_ request: Request, identity: TLSClientIdentity? = nil) async throws -> Response {
        let configuration = try makeConfiguration(identity: identity)
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        do {
            let response = try await sendWithRetries(request, client: client)
            try? await client.shutdown()
            return response
        } catch {
            // A connection still being set up keeps `shutdown` waiting until its timeout: do not make the caller wait.
            Task { try? await client.shutdown() }
            if error is CancellationError || Task.isCancelled { throw CancellationError() }
            if let error = error as? CloudError { throw error }
            throw CloudError(.other, "\(error)")
        }
    }

    private func sendWithRetries(_ request: Request, client: HTTPClient) async throws -> Response {
        var attempt = 1
        var throttled = 0
        while true {
            do {
                let response = try await sendOnce(request, client: client)
                guard response.status == 429 else { return response }
                guard throttled < options.throttleBackoff.count else {
                    logger.warning("Final HTTP request throttled (attempt \(throttled + 1) of \(options.throttleBackoff.count + 1)).")
                    throw CloudError(.service(status: 429), "429: Too many requests")
                }
                let jitterLimit = throttled < options.throttleJitter.count ? options.throttleJitter[throttled] : .zero
                let jitter = jitterLimit == .zero ? Duration.zero : jitterLimit * Double.random(in: 0...1)
                let wait = options.throttleBackoff[throttled] + jitter
                logger.warning("HTTP request throttled (attempt \(throttled + 1) of \(options.throttleBackoff.count + 1)). Sleeping for \(wait).")
                throttled += 1
                try await Task.sleep(for: wait)
            } catch let error as CloudError where error.kind == .network || error.kind == .other {
                logger.warning("Failed to send HTTP request (attempt \(attempt) of \(retries + 1)): \(error)")
                guard attempt <= retries else { throw error }
                attempt += 1
                try await Task.sleep(for: options.retryDelay)
            }
        }
    }

    /// One attempt. Errors: ``CloudError`` `.network` before a response, `.other` while reading the body; an error
    /// making the `Authorization` header is thrown as it is (not retried).
    private func sendOnce(_ request: Request, client: HTTPClient) async throws -> Response {
        var httpRequest = HTTPClientRequest(url: request.url)
        httpRequest.method = request.method
        for header in request.headers { httpRequest.headers.add(name: header.name, value: header.value) }
        if let authorization = try await request.authorization?() {
            httpRequest.headers.replaceOrAdd(name: "Authorization", value: authorization)
        }
        if let body = request.body {
            httpRequest.headers.replaceOrAdd(name: "Content-Type", value: "application/json")
            httpRequest.body = .bytes(ByteBuffer(bytes: body))
        }
        let response: HTTPClientResponse
        do {
            response = try await client.execute(httpRequest, timeout: Self.timeAmount(timeout))
        } catch {
            if Task.isCancelled { throw CancellationError() }
            throw Self.classify(error, url: request.url)
        }
        do {
            let body = try await response.body.collect(upTo: 16 << 20)
            return Response(status: Int(response.status.code), headers: response.headers, body: Array(body.readableBytesView))
        } catch {
            if let error = error as? HTTPClientError, error == .deadlineExceeded || error == .readTimeout {
                throw CloudError(.network, "timed out reading the answer of \(request.url)")
            }
            throw CloudError(.other, "cannot read the answer of \(request.url): \(error)")
        }
    }

    static func classify(_ error: any Error, url: String) -> CloudError {
        if let error = error as? HTTPClientError,
            [.invalidURL, .emptyHost, .emptyScheme, .invalidProxyConfiguration].contains(error) || "\(error)".contains("unsupportedScheme")
        {
            return CloudError(.other, "cannot send to \(url): \(error)")
        }
        return CloudError(.network, "cannot reach \(url): \(error)")
    }

    private func makeConfiguration(identity: TLSClientIdentity?) throws(CloudError) -> HTTPClient.Configuration {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.additionalTrustRoots = options.additionalTrustedCAFiles.map { .file($0) }
        if let identity {
            do {
                tls.certificateChain = try NIOSSLCertificate.fromPEMBytes(Array(identity.certificateChainPEM.utf8)).map { .certificate($0) }
            } catch {
                throw CloudError(.other, "the identity certificate is not PEM: \(error)")
            }
            tls.privateKey = .privateKey(NIOSSLPrivateKey(customPrivateKey: identity.key))
        }
        let amount = Self.timeAmount(timeout)
        var configuration = HTTPClient.Configuration(
            tlsConfiguration: tls,
            redirectConfiguration: .disallow,
            timeout: .init(connect: amount, read: amount)
        )
        configuration.httpVersion = .http1Only
        // Fail at once when the service cannot be reached, instead of retrying connections until the timeout: the
        // caller decides about retries and offline operation.
        configuration.connectionPool.retryConnectionEstablishment = false
        if let proxy = options.proxy {
            let authorization = proxy.username.map { HTTPClient.Authorization.basic(username: $0, password: proxy.password ?? "") }
            configuration.proxy = .server(host: proxy.host, port: proxy.port, authorization: authorization)
        }
        return configuration
    }

    static func timeAmount(_ duration: Duration) -> TimeAmount {
        let (seconds, attoseconds) = duration.components
        return .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
