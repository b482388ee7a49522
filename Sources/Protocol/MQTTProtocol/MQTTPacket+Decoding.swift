public import NIOCore

extension MQTTPacket {
    /// Decodes one packet from the front of `buffer`.
    ///
    /// Returns `nil`, leaving `buffer` untouched, while the packet is incomplete; a partial frame costs nothing
    /// but waiting. Throws as soon as the bytes seen so far cannot be valid, in particular a packet whose
    /// announced size exceeds `maxPacketSize` is refused before its body arrives.
    /// - Parameter maxPacketSize: the largest whole packet (fixed header included) accepted, in bytes.
    public static func decode(
        from buffer: inout ByteBuffer,
        maxPacketSize: Int = MQTTPacket.maximumRemainingLength + 5
    ) throws(MQTTProtocolError) -> MQTTPacket? {
        guard let first: UInt8 = buffer.getInteger(at: buffer.readerIndex) else { return nil }
        guard let type = PacketType(rawValue: first >> 4) else {
            throw MQTTProtocolError(.invalidPacketType, "packet type \(first >> 4) is reserved")
        }
        let flags = first & 0x0F

        var remainingLength = 0
        var multiplier = 1
        var headerLength = 1
        while true {
            guard headerLength <= 4 else {
                throw MQTTProtocolError(.malformedRemainingLength, "remaining length is longer than 4 bytes")
            }
            guard let byte: UInt8 = buffer.getInteger(at: buffer.readerIndex + headerLength) else { return nil }
            remainingLength += Int(byte & 0x7F) * multiplier
            multiplier *= 128
            headerLength += 1
            if byte & 0x80 == 0 { break }
        }
        let total = headerLength + remainingLength
        guard total <= maxPacketSize else {
            throw MQTTProtocolError(
                .packetTooLarge,
                "\(type) packet of \(total) bytes exceeds the maximum packet size of \(maxPacketSize) bytes"
            )
        }
        guard buffer.readableBytes >= total else { return nil }

        var body = buffer.getSlice(at: buffer.readerIndex + headerLength, length: remainingLength)!
        buffer.moveReaderIndex(forwardBy: total)
        var reader = PacketBodyReader(buffer: body, type: type)
        defer { body = ByteBuffer() }
        return try reader.decodePacket(type: type, flags: flags)
    }
}

/// Reads the variable header and payload of one packet, throwing on any violation.
private struct PacketBodyReader {
    var buffer: ByteBuffer
    let type: MQTTPacket.PacketType

    mutating func decodePacket(type: MQTTPacket.PacketType, flags: UInt8) throws(MQTTProtocolError) -> MQTTPacket {
        if type != .publish {
            let expected: UInt8 = (type == .pubrel || type == .subscribe || type == .unsubscribe) ? 0b0010 : 0
            guard flags == expected else {
                throw MQTTProtocolError(
                    .invalidFixedHeaderFlags,
                    "\(type) fixed-header flags must be \(expected), got \(flags)"
                )
            }
        }
        let packet: MQTTPacket
        switch type {
        case .connect: packet = .connect(try readConnect())
        case .connack: packet = .connack(try readConnAck())
        case .publish: packet = .publish(try readPublish(flags: flags))
        case .puback: packet = .puback(packetID: try readPacketID())
        case .pubrec: packet = .pubrec(packetID: try readPacketID())
        case .pubrel: packet = .pubrel(packetID: try readPacketID())
        case .pubcomp: packet = .pubcomp(packetID: try readPacketID())
        case .subscribe: packet = .subscribe(try readSubscribe())
        case .suback: packet = .suback(try readSubAck())
        case .unsubscribe: packet = .unsubscribe(try readUnsubscribe())
        case .unsuback: packet = .unsuback(packetID: try readPacketID())
        case .pingreq: packet = .pingreq
        case .pingresp: packet = .pingresp
        case .disconnect: packet = .disconnect
        }
        guard buffer.readableBytes == 0 else {
            throw MQTTProtocolError(.trailingBytes, "\(type) packet has \(buffer.readableBytes) unexpected trailing bytes")
        }
        return packet
    }

    // MARK: Packets

    mutating func readConnect() throws(MQTTProtocolError) -> ConnectPacket {
        let name = try readString("protocol name")
        let level = try readByte("protocol level")
        guard (name == "MQTT" && level >= 4) || (name == "MQIsdp" && level == 3) else {
            guard name == "MQTT" || name == "MQIsdp" else {
                throw MQTTProtocolError(.invalidProtocolName, "protocol name \"\(name)\" is not MQTT")
            }
            // Levels 3 and 4 under the other version's name would pass for a supported CONNECT with an empty
            // client identifier; refuse them rather than process them under the wrong rules (§3.1.2.1).
            guard level != 3 && level != 4 else {
                throw MQTTProtocolError(
                    .invalidProtocolName,
                    "protocol name \"\(name)\" does not go with protocol level \(level)"
                )
            }
            // A known name with an unknown level: decoded far enough for the server to answer CONNACK 1.
            buffer.moveReaderIndex(to: buffer.writerIndex)
            return ConnectPacket(clientID: "", protocolLevel: level)
        }
        if level > 4 {
            // MQTT 5 and later: the rest has a different layout; the server refuses the version.
            buffer.moveReaderIndex(to: buffer.writerIndex)
            return ConnectPacket(clientID: "", protocolLevel: level)
        }
        let flags = try readByte("connect flags")
        guard flags & 0x01 == 0 else {
            throw MQTTProtocolError(.invalidConnectFlags, "the reserved connect flag is set")
        }
        let hasUsername = flags & 0x80 != 0
        let hasPassword = flags & 0x40 != 0
        let willRetain = flags & 0x20 != 0
        let willQoSBits = (flags >> 3) & 0x03
        let hasWill = flags & 0x04 != 0
        let cleanSession = flags & 0x02 != 0
        if !hasWill && (willRetain || willQoSBits != 0) {
            throw MQTTProtocolError(.invalidConnectFlags, "will QoS or will retain set without a will")
        }
        guard let willQoS = QoS(rawValue: willQoSBits) else {
            throw MQTTProtocolError(.invalidQoS, "will QoS 3 is not a QoS")
        }
        if hasPassword && !hasUsername && level == 4 {
            throw MQTTProtocolError(.invalidConnectFlags, "a password without a user name is not allowed in MQTT 3.1.1")
        }
        let keepAlive = try readUInt16("keep alive")
        let clientID = try readString("client identifier")
        var will: ConnectPacket.Will?
        if hasWill {
            let topic = try readString("will topic")
            try TopicName.validate(topic)
            let payload = try readBinary("will message")
            will = .init(topic: topic, payload: payload, qos: willQoS, retain: willRetain)
        }
        let username = hasUsername ? try readString("user name") : nil
        let password = hasPassword ? Array(buffer: try readBinary("password")) : nil
        return ConnectPacket(
            clientID: clientID,
            cleanSession: cleanSession,
            keepAlive: keepAlive,
            will: will,
            username: username,
            password: password,
            protocolLevel: level
        )
    }

    mutating func readConnAck() throws(MQTTProtocolError) -> ConnAckPacket {
        let ackFlags = try readByte("connack flags")
        guard ackFlags & 0xFE == 0 else {
            throw MQTTProtocolError(.invalidConnectFlags, "reserved CONNACK flags are set")
        }
        let rawCode = try readByte("connect return code")
        guard let code = ConnectReturnCode(rawValue: rawCode) else {
            throw MQTTProtocolError(.invalidReturnCode, "connect return code \(rawCode) is reserved")
        }
        return ConnAckPacket(sessionPresent: ackFlags & 0x01 != 0, returnCode: code)
    }

    mutating func readPublish(flags: UInt8) throws(MQTTProtocolError) -> PublishPacket {
        guard let qos = QoS(rawValue: (flags >> 1) & 0x03) else {
            throw MQTTProtocolError(.invalidQoS, "PUBLISH with QoS 3")
        }
        let dup = flags & 0x08 != 0
        if qos == .atMostOnce && dup {
            throw MQTTProtocolError(.invalidFixedHeaderFlags, "DUP set on a QoS 0 PUBLISH")
        }
        let topic = try readString("topic name")
        try TopicName.validate(topic)
        let packetID = qos == .atMostOnce ? nil : try readPacketID()
        let payload = buffer.readSlice(length: buffer.readableBytes)!
        return PublishPacket(topic: topic, payload: payload, qos: qos, retain: flags & 0x01 != 0, dup: dup, packetID: packetID)
    }

    mutating func readSubscribe() throws(MQTTProtocolError) -> SubscribePacket {
        let packetID = try readPacketID()
        var subscriptions: [SubscribePacket.Subscription] = []
        while buffer.readableBytes > 0 {
            let filter = try readString("topic filter")
            try TopicFilter.validate(filter)
            let options = try readByte("requested QoS")
            guard options & 0xFC == 0, let qos = QoS(rawValue: options) else {
                throw MQTTProtocolError(.invalidQoS, "requested QoS byte \(options) for \"\(filter)\" is invalid")
            }
            subscriptions.append(.init(filter: filter, qos: qos))
        }
        guard !subscriptions.isEmpty else {
            throw MQTTProtocolError(.emptySubscription, "SUBSCRIBE carries no topic filter")
        }
        return SubscribePacket(packetID: packetID, subscriptions: subscriptions)
    }

    mutating func readSubAck() throws(MQTTProtocolError) -> SubAckPacket {
        let packetID = try readPacketID()
        var codes: [SubAckPacket.ReturnCode] = []
        while let byte = buffer.readInteger(as: UInt8.self) {
            if byte == 0x80 {
                codes.append(.failure)
            } else if let qos = QoS(rawValue: byte) {
                codes.append(.granted(qos))
            } else {
                throw MQTTProtocolError(.invalidReturnCode, "SUBACK return code \(byte) is reserved")
            }
        }
        return SubAckPacket(packetID: packetID, returnCodes: codes)
    }

    mutating func readUnsubscribe() throws(MQTTProtocolError) -> UnsubscribePacket {
        let packetID = try readPacketID()
        var filters: [String] = []
        while buffer.readableBytes > 0 {
            let filter = try readString("topic filter")
            try TopicFilter.validate(filter)
            filters.append(filter)
        }
        guard !filters.isEmpty else {
            throw MQTTProtocolError(.emptySubscription, "UNSUBSCRIBE carries no topic filter")
        }
        return UnsubscribePacket(packetID: packetID, filters: filters)
    }

    // MARK: Fields

    mutating func readByte(_ field: String) throws(MQTTProtocolError) -> UInt8 {
        guard let byte = buffer.readInteger(as: UInt8.self) else { throw truncated(field) }
        return byte
    }

    mutating func readUInt16(_ field: String) throws(MQTTProtocolError) -> UInt16 {
        guard let value = buffer.readInteger(as: UInt16.self) else { throw truncated(field) }
        return value
    }

    mutating func readPacketID() throws(MQTTProtocolError) -> UInt16 {
        let id = try readUInt16("packet identifier")
        guard id != 0 else {
            throw MQTTProtocolError(.invalidPacketIdentifier, "\(type) packet identifier is 0")
        }
        return id
    }

    mutating func readBinary(_ field: String) throws(MQTTProtocolError) -> ByteBuffer {
        let length = Int(try readUInt16(field))
        guard let slice = buffer.readSlice(length: length) else { throw truncated(field) }
        return slice
    }

    mutating func readString(_ field: String) throws(MQTTProtocolError) -> String {
        let length = Int(try readUInt16(field))
        guard buffer.readableBytes >= length else { throw truncated(field) }
        let string: String?
        do {
            string = try buffer.readUTF8ValidatedString(length: length)
        } catch {
            throw MQTTProtocolError(.invalidUTF8, "\(field) is not well-formed UTF-8")
        }
        guard let string, !string.utf8.contains(0) else {
            throw MQTTProtocolError(.invalidUTF8, "\(field) contains U+0000")
        }
        return string
    }

    func truncated(_ field: String) -> MQTTProtocolError {
        MQTTProtocolError(.truncatedPacket, "\(type) packet ends inside its \(field)")
    }
}
