import Foundation
import GRDB
import IoTHubProtocol
import Logging

extension HubRegistry {
    /// Records that a device (`moduleId` nil) or module connected or disconnected: sets
    /// `connectionState`, and `connectionStateUpdatedTime` when it changes, and `lastActivityTime`.
    /// The identity's etag does not change (as in IoT Hub). Unknown identities are ignored.
    public func setConnectionState(deviceId: String, moduleId: String?, connected: Bool) {
        let state: ConnectionState = connected ? .connected : .disconnected
        let time = HubTimestamp.string(from: Date())
        let key = IdentityKey(deviceId: deviceId, moduleId: moduleId)
        do {
            let found = try write("record the connection state of \(key)") { db -> Bool in
                if let moduleId {
                    guard var module = try RegistryStore.module(db, deviceId, moduleId) else { return false }
                    if module.connectionState != state { module.connectionStateUpdatedTime = time }
                    module.connectionState = state
                    module.lastActivityTime = time
                    try RegistryStore.save(db, module: module)
                } else {
                    guard var device = try RegistryStore.device(db, deviceId) else { return false }
                    if device.connectionState != state { device.connectionStateUpdatedTime = time }
                    device.connectionState = state
                    device.lastActivityTime = time
                    try RegistryStore.save(db, device: device)
                }
                return true
            }
            if found {
                logger.debug("connection state", metadata: ["identity": "\(key)", "state": "\(state.rawValue)"])
            } else {
                logger.debug("connection state of an unknown identity ignored", metadata: ["identity": "\(key)"])
            }
        } catch {
            // Logged by write(_:_:).
        }
    }
}
