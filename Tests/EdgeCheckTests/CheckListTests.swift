import CheckReport
@testable import EdgeCheck
import EdgeTestSupport
import Foundation
import IoTHubProtocol
import MQTTTestSupport
import Testing

@Suite("iotedge check-list (§6.7)")
struct CheckListTests {
    @Test("the table lists aziotctl's checks (suffixed sections) then the built-in ones")
    func table() async throws {
        let files = try CheckFiles()
        defer { files.remove() }
        let buffer = CheckOutputBuffer()
        let code = await IotedgeCheck.list(environment: files.environment, output: buffer.output)
        #expect(code == 0)
        let lines = buffer.text.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("CATEGORY") == true && lines.first?.contains(" ID ") == true && lines.first?.hasSuffix("DESCRIPTION") == true, "\(buffer.text)")
        let keyd = try #require(lines.firstIndex { $0.hasPrefix("Configuration checks (aziot-identity-service) ") && $0.contains(" keyd-config-well-formed ") }, "\(buffer.text)")
        let edged = try #require(lines.firstIndex { $0.hasPrefix("Configuration checks ") && $0.contains(" aziot-edged-config-well-formed ") }, "\(buffer.text)")
        let upstream = try #require(lines.firstIndex { $0.hasPrefix("Connectivity checks ") && $0.contains(" container-connect-upstream-mqtt ") }, "\(buffer.text)")
        #expect(keyd < edged && edged < upstream)
        let hubAMQP = lines.contains { $0.contains(" host-connect-iothub-amqp ") && $0.hasPrefix("Connectivity checks (aziot-identity-service)") }
        #expect(hubAMQP, "\(buffer.text)")
        // Columns line up: every id starts where the header's ID does.
        let idColumn = try #require(lines.first?.range(of: "ID")).lowerBound.utf16Offset(in: lines[0])
        #expect(lines[edged].dropFirst(idColumn).hasPrefix("aziot-edged-config-well-formed "), "\(lines[edged])")
        for id in IotedgeCheck.builtInCheckIDs {
            let listed = lines.contains { $0.contains(" \(id) ") }
            #expect(listed, "\(id)")
        }

        var environment = files.environment
        environment["IOTEDGE_AZIOTCTL"] = "\(files.root)/no-aziotctl"
        let missing = CheckOutputBuffer()
        let missingCode = await IotedgeCheck.list(environment: environment, output: missing.output)
        #expect(missingCode == 1)
        #expect(missing.text.contains(" container-engine-uri "))
        #expect(missing.text.contains("aziotctl could not be run"))
    }
}
