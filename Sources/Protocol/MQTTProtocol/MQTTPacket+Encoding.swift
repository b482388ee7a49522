public import NIOCore

extension MQTTPacket {
    /// Appends this packet's wire form to `buffer`.
    ///
    /// Strings and binary fields are written with 16-bit lengths, so callers validate user-supplied topics
    /// (``TopicName/validate(_:)``) before building packets; a longer string is a programming error.
    public func encode(into buffer: inout ByteBuffer) {
        switch self {
        case .connect(let connect): encodeConnect(connect, into: &buffer)
        case .connack(let ack):
            writeFixedHeader(type: .connack, flags: 0, remainingLength: 2, into: &buffer)
            buffer.writeInteger(UInt8(ack.sessionPresent ? 1 : 0))
            buffer.writeInteger(ack.returnCode.rawValue)
        case .publish(let publish): encodePublish(publish, into: &buffer)
        case .puback(let id): writeAck(.puback, flags: 0, id, into: &buffer)
        case .pubrec(let id): writeAck(.pubrec, flags: 0, id, into: &buffer)
        case .pubrel(let id): writeAck(.pubrel, flags: 0b0010, id, into: &buffer)
        case .pubcomp(let id): writeAck(.pubcomp, flags: 0, id, into: &buffer)
        case .unsuback(let id): writeAck(.unsuback, flags: 0, id, into: &buffer)
        case .subscribe(let subscribe):
            let length = 2 + subscribe.subscriptions.reduce(0) { $0 + 3 + $1.filter.utf8.count }
            writeFixedHeader(type: .subscribe, flags: 0b0010, remainingLength: length, into: &buffer)
            buffer.writeInteger(subscribe.packetID)
            for subscription in subscribe.subscriptions {
                writeString(subscription.filter, into: &buffer)
                buffer.writeInteger(subscription.qos.rawValue)
            }
        case .suback(let ack):
            writeFixedHeader(type: .suback, flags: 0, remainingLength: 2 + ack.returnCodes.count, into: &buffer)
            buffer.writeInteger(ack.packetID)
            for code in ack.returnCodes { buffer.writeInteger(code.byte) }
        case .unsubscribe(let unsubscribe):
            let length = 2 + unsubscribe.filters.reduce(0) { $0 + 2 + $1.utf8.count }
            writeFixedHeader(type: .unsubscribe, flags: 0b0010, remainingLength: length, into: &buffer)
            buffer.writeInteger(unsubscribe.packetID)
            for filter in unsubscribe.filters { writeString(filter, into: &buffer) }
        case .pingreq: writeFixedHeader(type: .pingreq, flags: 0, remainingLength: 0, into: &buffer)
        case .pingresp: writeFixedHeader(type: .pingresp, flags: 0, remainingLength: 0, into: &buffer)
        case .disconnect: writeFixedHeader(type: .disconnect, flags: 0, remainingLength: 0, into: &buffer)
        }
    }

    /// The encoded size of this packet in bytes.
    public var encodedSize: Int {
        var buffer = ByteBuffer()
        encode(into: &buffer)
        return buffer.readableBytes
    }

    private func encodeConnect(_ connect: ConnectPacket, into buffer: inout ByteBuffer) {
        let name = ConnectPacket.protocolName(forLevel: connect.protocolLevel)
        var length = 2 + name.utf8.count + 1 + 1 + 2 + 2 + connect.clientID.utf8.count
        var flags: UInt8 = connect.cleanSession ? 0x02 : 0
        if let will = connect.will {
            length += 2 + will.topic.utf8.count + 2 + will.payload.readableBytes
            flags |= 0x04 | (will.qos.rawValue << 3) | (will.retain ? 0x20 : 0)
        }
        if let username = connect.username {
            length += 2 + username.utf8.count
            flags |= 0x80
        }
        if let password = connect.password {
            length += 2 + password.count
            flags |= 0x40
        }
        writeFixedHeader(type: .connect, flags: 0, remainingLength: length, into: &buffer)
        writeString(name, into: &buffer)
        buffer.writeInteger(connect.protocolLevel)
        buffer.writeInteger(flags)
        buffer.writeInteger(connect.keepAlive)
        writeString(connect.clientID, into: &buffer)
        if let will = connect.will {
            writeString(will.topic, into: &buffer)
            buffer.writeInteger(UInt16(will.payload.readableBytes))
            buffer.writeImmutableBuffer(will.payload)
        }
        if let username = connect.username { writeString(username, into: &buffer) }
        if let password = connect.password {
            buffer.writeInteger(UInt16(password.count))
            buffer.writeBytes(password)
        }
    }

    private func encodePublish(_ publish: PublishPacket, into buffer: inout ByteBuffer) {
        let hasID = publish.qos != .atMostOnce
        let length = 2 + publish.topic.utf8.count + (hasID ? 2 : 0) + publish.payload.readableBytes
        let flags = (publish.dup ? 0x08 : 0) | (publish.qos.rawValue << 1) | (publish.retain ? 0x01 : 0)
        writeFixedHeader(type: .publish, flags: flags, remainingLength: length, into: &buffer)
        writeString(publish.topic, into: &buffer)
        if hasID { buffer.writeInteger(publish.packetID ?? 0) }
        buffer.writeImmutableBuffer(publish.payload)
    }

    private func writeAck(_ type: PacketType, flags: UInt8, _ id: UInt16, into buffer: inout ByteBuffer) {
        writeFixedHeader(type: type, flags: flags, remainingLength: 2, into: &buffer)
        buffer.writeInteger(id)
    }

    private func writeFixedHeader(type: PacketType, flags: UInt8, remainingLength: Int, into buffer: inout ByteBuffer) {
        precondition(remainingLength <= MQTTPacket.maximumRemainingLength, "MQTT packet too large to encode")
        buffer.writeInteger(type.rawValue << 4 | flags)
        var value = remainingLength
        repeat {
            var byte = UInt8(value & 0x7F)
            value >>= 7
            if value > 0 { byte |= 0x80 }
            buffer.writeInteger(byte)
        } while value > 0
    }

    private func writeString(_ string: String, into buffer: inout ByteBuffer) {
        let count = string.utf8.count
        precondition(count <= Int(UInt16.max), "MQTT string longer than 65535 bytes")
        buffer.writeInteger(UInt16(count))
        buffer.writeString(string)
    }
}
