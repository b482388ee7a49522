import MQTTProtocol
import Testing

@Suite struct QoSTests {
    @Test(arguments: [(QoS.atMostOnce, 0), (.atLeastOnce, 1), (.exactlyOnce, 2)] as [(QoS, UInt8)])
    func rawValues(qos: QoS, raw: UInt8) {
        #expect(qos.rawValue == raw)
        #expect(QoS(rawValue: raw) == qos)
        #expect(qos.description == "QoS \(raw)")
    }

    @Test func invalidRawValue() {
        #expect(QoS(rawValue: 3) == nil)
    }

    @Test func ordering() {
        #expect(QoS.atMostOnce < .atLeastOnce)
        #expect(QoS.atLeastOnce < .exactlyOnce)
        #expect(min(QoS.exactlyOnce, .atLeastOnce) == .atLeastOnce)
    }
}
