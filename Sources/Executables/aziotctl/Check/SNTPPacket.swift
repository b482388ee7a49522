/// An SNTP (RFC 4330) message: the 48-byte NTP header, without extension fields or authenticator.
///
/// Timestamps are 64-bit NTP fixed-point numbers (seconds since 1900-01-01 in the high 32 bits, fraction in the
/// low 32), converted to and from Unix time in seconds as `Double`.
struct SNTPPacket: Sendable, Equatable {
    var leapIndicator: UInt8
    var version: UInt8
    var mode: UInt8
    var stratum: UInt8
    /// For stratum 0 (a kiss-o'-death packet), the four-letter kiss code.
    var referenceID: UInt32
    var originateTimestamp: UInt64
    var receiveTimestamp: UInt64
    var transmitTimestamp: UInt64

    static let size = 48
    static let clientMode: UInt8 = 3
    static let serverMode: UInt8 = 4
    static let broadcastMode: UInt8 = 5
    /// Seconds from 1900-01-01 (NTP era 0) to 1970-01-01.
    static let unixEpochOffset: UInt64 = 2_208_988_800

    /// A client request whose transmit timestamp is `now` (the server echoes it as its originate timestamp).
    static func request(transmitTime now: Double) -> SNTPPacket {
        SNTPPacket(
            leapIndicator: 0, version: 4, mode: clientMode, stratum: 0, referenceID: 0,
            originateTimestamp: 0, receiveTimestamp: 0, transmitTimestamp: timestamp(unixTime: now))
    }

    var bytes: [UInt8] {
        var bytes = [UInt8](repeating: 0, count: Self.size)
        bytes[0] = (leapIndicator & 0b11) << 6 | (version & 0b111) << 3 | (mode & 0b111)
        bytes[1] = stratum
        Self.put(UInt64(referenceID), width: 4, into: &bytes, at: 12)
        Self.put(originateTimestamp, width: 8, into: &bytes, at: 24)
        Self.put(receiveTimestamp, width: 8, into: &bytes, at: 32)
        Self.put(transmitTimestamp, width: 8, into: &bytes, at: 40)
        return bytes
    }

    /// Parses a datagram; nil when it is shorter than an NTP header.
    init?(bytes: some Collection<UInt8>) {
        let bytes = Array(bytes)
        guard bytes.count >= Self.size else { return nil }
        leapIndicator = bytes[0] >> 6
        version = (bytes[0] >> 3) & 0b111
        mode = bytes[0] & 0b111
        stratum = bytes[1]
        referenceID = UInt32(Self.get(bytes, at: 12, width: 4))
        originateTimestamp = Self.get(bytes, at: 24, width: 8)
        receiveTimestamp = Self.get(bytes, at: 32, width: 8)
        transmitTimestamp = Self.get(bytes, at: 40, width: 8)
    }

    init(
        leapIndicator: UInt8, version: UInt8, mode: UInt8, stratum: UInt8, referenceID: UInt32,
        originateTimestamp: UInt64, receiveTimestamp: UInt64, transmitTimestamp: UInt64
    ) {
        self.leapIndicator = leapIndicator
        self.version = version
        self.mode = mode
        self.stratum = stratum
        self.referenceID = referenceID
        self.originateTimestamp = originateTimestamp
        self.receiveTimestamp = receiveTimestamp
        self.transmitTimestamp = transmitTimestamp
    }

    /// The kiss code of a kiss-o'-death packet (`RATE`, `DENY`…), as text.
    var kissCode: String {
        let scalars = (0..<4).map { UInt8(truncatingIfNeeded: referenceID >> (24 - 8 * $0)) }
        return String(decoding: scalars.filter { $0 >= 0x20 && $0 < 0x7F }, as: UTF8.self)
    }

    /// The NTP timestamp of a Unix time. Times from 2036-02-07 on wrap into NTP era 1, as RFC 4330 §3 expects.
    static func timestamp(unixTime: Double) -> UInt64 {
        let ntp = unixTime + Double(unixEpochOffset)
        let seconds = ntp.rounded(.down)
        let fraction = UInt64(((ntp - seconds) * 4_294_967_296).rounded(.down)) & 0xFFFF_FFFF
        return (UInt64(seconds) & 0xFFFF_FFFF) << 32 | fraction
    }

    /// The Unix time of an NTP timestamp: a timestamp whose top bit is clear is in era 1 (2036–2104), RFC 4330 §3.
    static func unixTime(timestamp: UInt64) -> Double {
        var seconds = Double(timestamp >> 32)
        if timestamp >> 63 == 0 { seconds += 4_294_967_296 }
        return seconds + Double(timestamp & 0xFFFF_FFFF) / 4_294_967_296 - Double(unixEpochOffset)
    }

    /// The local clock's offset from the server's (positive when the local clock is behind), from the four times of an
    /// exchange: request sent (t1), request received (t2), reply sent (t3), reply received (t4).
    static func clockOffset(t1: Double, t2: Double, t3: Double, t4: Double) -> Double {
        ((t2 - t1) + (t3 - t4)) / 2
    }

    private static func put(_ value: UInt64, width: Int, into bytes: inout [UInt8], at offset: Int) {
        for index in 0..<width {
            bytes[offset + index] = UInt8(truncatingIfNeeded: value >> (8 * (width - 1 - index)))
        }
    }

    private static func get(_ bytes: [UInt8], at offset: Int, width: Int) -> UInt64 {
        var value: UInt64 = 0
        for index in 0..<width { value = value << 8 | UInt64(bytes[offset + index]) }
        return value
    }
}
