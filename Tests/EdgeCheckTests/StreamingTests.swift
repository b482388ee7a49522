import CheckReport
@testable import EdgeCheck
import EdgeTestSupport
import Foundation
import MQTTTestSupport
import Testing

@Suite("iotedge check: aziotctl's stream is reported as it comes")
struct StreamingTests {
    @Test("aziotctl's results are reported as it prints them, not when it ends")
    func streamed() async throws {
        let files = try CheckFiles()
        defer { files.remove() }
        try files.writeMinimalEdgedConfig()
        let go = "\(files.root)/go"
        let script = "\(files.root)/fake-aziotctl"
        // Prints one result, then waits (up to 60 s) for the test to have seen it before printing the next.
        try files.write(script, """
            #!/bin/sh
            printf '%s\\n' '{"kind":"section","name":"Configuration checks"}'
            printf '%s\\n' '{"kind":"check","id":"keyd-config-well-formed","description":"keyd configuration is well-formed","result":{"result":"ok"},"additional_info":{}}'
            i=0; while [ ! -e "\(go)" ] && [ $i -lt 300 ]; do sleep 0.2; i=$((i+1)); done
            printf '%s\\n' '{"kind":"check","id":"certd-config-well-formed","description":"certd configuration is well-formed","result":{"result":"ok"},"additional_info":{}}'
            exit 1

            """)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script)
        var environment = files.environment
        environment["IOTEDGE_AZIOTCTL"] = script
        let buffer = CheckOutputBuffer()
        let options = files.options { $0.dontRun = IotedgeCheck.builtInCheckIDs }
        let run = Task { await IotedgeCheck.run(options, environment: environment, output: buffer.output) }
        let seenFirst = await eventually(timeout: .seconds(30)) { buffer.text.contains("keyd configuration is well-formed - OK") }
        let secondBeforeGo = buffer.text.contains("certd configuration is well-formed")
        _ = FileManager.default.createFile(atPath: go, contents: Data())
        _ = await run.value
        #expect(seenFirst, "\(buffer.text)")
        #expect(!secondBeforeGo, "\(buffer.text)")
        #expect(buffer.text.contains("\u{221A} certd configuration is well-formed - OK"), "\(buffer.text)")
    }
}
