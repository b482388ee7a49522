import Foundation
import Logging
import MQTTBroker
import MQTTProtocol
import MQTTServer
import MQTTTestSupport
import MQTTTransport
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization
import Testing

// MARK: Logging

let testLogger = makeTestLogger(label: "mqtt-test")
