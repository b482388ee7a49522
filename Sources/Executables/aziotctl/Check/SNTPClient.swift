#if canImport(Glibc)
import Glibc
#if canImport(CoreFoundation)
import CoreFoundation  // with Foundation in the build, the C stat/timespec types are attributed to it
#endif
#elseif canImport(Darwin)
import Darwin
#endif

/// A one-shot SNTP client (RFC 4330) over UDP: one request, one answer, with a deadline.
enum SNTPClient {
    struct Answer: Sendable {
        /// The local clock's offset from the server's in seconds (positive: the local clock is behind).
        var offset: Double
        /// The address that answered.
        var address: String
    }

    enum Failure: Error, Sendable, Equatable {
        /// The server name is not `host[:port]`.
        case invalidServer(String)
        /// No answer: the name does not resolve, the port is closed, or nothing came back before the deadline.
        case unreachable(String)
        /// An answer that is not a usable SNTP reply (kiss-o'-death, unsynchronized server, wrong mode…).
        case badAnswer(String)

        var message: String {
            switch self {
            case .invalidServer(let text), .unreachable(let text), .badAnswer(let text): text
            }
        }
    }

    /// Splits `host:port`, `[v6]:port`, `host` or a bare IPv6 literal; the port defaults to 123.
    static func parse(server: String) throws(Failure) -> (host: String, port: UInt16) {
        func port(_ text: Substring) throws(Failure) -> UInt16 {
            guard let port = UInt16(text), port > 0 else { throw .invalidServer("\(server) has an invalid port \"\(text)\"") }
            return port
        }
        if server.hasPrefix("[") {
            guard let close = server.firstIndex(of: "]") else { throw .invalidServer("\(server) has no closing ]") }
            let host = String(server[server.index(after: server.startIndex)..<close])
            let rest = server[server.index(after: close)...]
            if rest.isEmpty { return (host, 123) }
            guard rest.hasPrefix(":") else { throw .invalidServer("\(server) is not [address]:port") }
            return (host, try port(rest.dropFirst()))
        }
        let colons = server.filter { $0 == ":" }.count
        if colons == 1, let colon = server.firstIndex(of: ":") {
            let host = String(server[..<colon])
            guard !host.isEmpty else { throw .invalidServer("\(server) has no host name") }
            return (host, try port(server[server.index(after: colon)...]))
        }
        guard !server.isEmpty else { throw .invalidServer("the NTP server name is empty") }
        return (server, 123)
    }

    /// Asks `server` (`host:port`) for the time and computes the local clock's offset.
    static func query(_ server: String, timeout: Duration) throws(Failure) -> Answer {
        let (host, port) = try parse(server: server)
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_DGRAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let list else {
            throw .unreachable("could not resolve \(host): \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(list) }
        var lastFailure = Failure.unreachable("\(host) has no address")
        var entry: UnsafeMutablePointer<addrinfo>? = list
        while let current = entry {
            do {
                return try exchange(with: current.pointee, timeout: timeout)
            } catch {
                lastFailure = error
                if case .badAnswer = error { throw error }
            }
            entry = current.pointee.ai_next
        }
        throw lastFailure
    }

    private static func exchange(with address: addrinfo, timeout: Duration) throws(Failure) -> Answer {
        let text = describe(address)
        let fd = socket(address.ai_family, address.ai_socktype, address.ai_protocol)
        guard fd >= 0 else { throw .unreachable("could not open a UDP socket: \(errorText())") }
        defer { close(fd) }
        // A connected socket reports ICMP "port unreachable" as ECONNREFUSED instead of waiting for the deadline.
        guard connect(fd, address.ai_addr, address.ai_addrlen) == 0 else { throw .unreachable("could not reach \(text): \(errorText())") }

        let t1 = now()
        let request = SNTPPacket.request(transmitTime: t1)
        let sent = request.bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
        guard sent == SNTPPacket.size else { throw .unreachable("could not send to \(text): \(errorText())") }

        let deadline = t1 + Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
        var buffer = [UInt8](repeating: 0, count: 512)
        while true {
            let remaining = deadline - now()
            guard remaining > 0 else {
                throw .unreachable("\(text) did not answer within \(timeout.components.seconds) s")
            }
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, Int32(max(1, (remaining * 1000).rounded(.up))))
            if ready < 0 {
                if errno == EINTR { continue }
                throw .unreachable("could not wait for \(text): \(errorText())")
            }
            if ready == 0 { continue }
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            let t4 = now()
            if count < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                throw .unreachable("no answer from \(text): \(errorText())")
            }
            // Ignore anything that is not the reply to this request (a stray or late datagram).
            guard let reply = SNTPPacket(bytes: buffer[0..<count]), reply.originateTimestamp == request.transmitTimestamp else { continue }
            guard reply.mode == SNTPPacket.serverMode || reply.mode == SNTPPacket.broadcastMode else {
                throw .badAnswer("\(text) answered in NTP mode \(reply.mode), not as a server (mode 4)")
            }
            guard reply.stratum != 0 else {
                throw .unreachable("\(text) refused the request (kiss-o'-death \"\(reply.kissCode)\")")
            }
            guard reply.leapIndicator != 3 else { throw .badAnswer("\(text) says its own clock is not synchronized") }
            guard reply.transmitTimestamp != 0 else { throw .badAnswer("\(text) answered without a transmit time") }
            let offset = SNTPPacket.clockOffset(
                t1: t1, t2: SNTPPacket.unixTime(timestamp: reply.receiveTimestamp),
                t3: SNTPPacket.unixTime(timestamp: reply.transmitTimestamp), t4: t4)
            return Answer(offset: offset, address: text)
        }
    }

    private static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    private static func describe(_ address: addrinfo) -> String {
        var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
        var service = [CChar](repeating: 0, count: Int(NI_MAXSERV))
        guard getnameinfo(address.ai_addr, address.ai_addrlen, &host, socklen_t(host.count), &service, socklen_t(service.count), NI_NUMERICHOST | NI_NUMERICSERV) == 0
        else { return "the NTP server" }
        let name = String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let port = String(decoding: service.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return address.ai_family == AF_INET6 ? "[\(name)]:\(port)" : "\(name):\(port)"
    }

    private static func errorText() -> String { String(cString: strerror(errno)) }
}
