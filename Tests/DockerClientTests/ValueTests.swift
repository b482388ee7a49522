import DockerClient
import Foundation
import IoTHubProtocol
import NIOCore
import Testing

/// The pure parts: JSON lines, times, filters, credentials, versions, `top`, errors, create bodies.
@Suite struct ValueTests {
    @Test func jsonLinesSplitAtEveryPosition() throws {
        let text = "{\"a\":1}\n\n{\"b\":\"x\\ny\"}\r\n{\"c\":[1,2]}\n"
        let bytes = Array(text.utf8)
        for cut in 0...bytes.count {
            var splitter = JSONLinesSplitter()
            var lines = try splitter.feed(ByteBuffer(bytes: Array(bytes[..<cut])))
            lines += try splitter.feed(ByteBuffer(bytes: Array(bytes[cut...])))
            #expect(splitter.finish() == nil)
            #expect(lines.map { String(buffer: $0) } == ["{\"a\":1}", "{\"b\":\"x\\ny\"}", "{\"c\":[1,2]}"], "cut at \(cut)")
        }
    }

    @Test func jsonLinesKeepAnUnterminatedLastLine() throws {
        var splitter = JSONLinesSplitter()
        #expect(try splitter.feed(ByteBuffer(string: "{\"a\":1}\n{\"b\"")).count == 1)
        #expect(try splitter.feed(ByteBuffer(string: ":2}")).isEmpty)
        #expect(splitter.finish().map { String(buffer: $0) } == "{\"b\":2}")
    }

    @Test func dockerTimes() throws {
        #expect(DockerTime.unix(-5).queryValue == "-5")
        #expect(DockerTime.date(Date(timeIntervalSince1970: 1_700_000_000.25)).queryValue == "1700000000.250000000")
        #expect(DockerTime.date(Date(timeIntervalSince1970: 1_700_000_000)).queryValue == "1700000000.000000000")
        let parsed = try #require(DockerTime.parseRFC3339("2023-11-14T22:13:20.5Z"))
        #expect(parsed.timeIntervalSince1970 == 1_700_000_000.5)
        let offset = try #require(DockerTime.parseRFC3339("2023-11-15T00:13:20+02:00"))
        #expect(offset.timeIntervalSince1970 == 1_700_000_000)
        #expect(DockerTime.parseRFC3339("2023-11-14 22:13:20Z") == nil)
        #expect(DockerTime.parseRFC3339("yesterday") == nil)
        #expect(DockerTime.parseRFC3339("2023-11-14T22:13:20") == nil)
    }

    @Test func filtersAreDockersMapOfBooleans() throws {
        var filters: DockerFilters = ["label": ["a=b", "c"]]
        filters.add("name", "x")
        let parsed = try JSONValue(parsing: filters.jsonString)
        #expect(parsed == ["label": ["a=b": true, "c": true], "name": ["x": true]])
    }

    @Test func registryAuthIsURLSafeBase64OfJSON() throws {
        // Bytes chosen so that standard base64 would contain "+" and "/".
        let auth = RegistryAuth(username: "u>>>?", password: "p~~~", serverAddress: "reg.example:5000")
        let header = auth.headerValue
        #expect(!header.contains("+") && !header.contains("/"))
        let standard = header.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        #expect(standard.count % 4 == 0)
        let decoded = try #require(Data(base64Encoded: standard))
        let json = try JSONValue(parsing: Array(decoded))
        #expect(json == ["username": "u>>>?", "password": "p~~~", "serveraddress": "reg.example:5000"])
    }

    @Test func apiVersionsCompareAsNumbers() {
        #expect(DockerAPIVersion("1.9")! < DockerAPIVersion("1.41")!)
        #expect(DockerAPIVersion("1.41")!.pathPrefix == "/v1.41")
        #expect(DockerAPIVersion("1.41.2") == nil)
        #expect(DockerAPIVersion("v1.41") == nil)
        #expect(min(DockerAPIVersion("1.45")!, DockerAPIVersion.supported) == .supported)
    }

    @Test func topPIDs() throws {
        let top = try ContainerTop(json: ["Titles": ["UID", "PID", "PPID", "CMD"], "Processes": [["root", "12", "1", "sh"], ["root", "13", "12", "sleep"]]])
        #expect(try top.pids() == [12, 13])
        let noPID = ContainerTop(titles: ["UID", "CMD"], processes: [["root", "sh"]])
        #expect(syncDockerError { _ = try noPID.pids() }?.code == .invalidResponse)
        let badPID = ContainerTop(titles: ["PID"], processes: [["twelve"]])
        #expect(syncDockerError { _ = try badPID.pids() }?.code == .invalidResponse)
        #expect(syncDockerError { _ = try ContainerTop(json: ["Titles": ["PID"]]) }?.code == .invalidResponse)
    }

    @Test func errorsKeepDockersStatusAndMessage() {
        let notFound = DockerError(status: 404, body: Array(#"{"message":"No such container: x"}"#.utf8))
        #expect(notFound.code == .notFound)
        #expect(notFound.status == 404)
        #expect(notFound.message == "No such container: x")
        let plain = DockerError(status: 502, body: Array("bad gateway\n".utf8))
        #expect(plain.code == .otherStatus)
        #expect(plain.message == "bad gateway")
        #expect(DockerError(status: 304, body: []).code == .notModified)
        #expect(DockerError(status: 409, body: []).message.contains("409"))
    }

    @Test func createOptionsKeepUnknownFieldsAndOverrideKnownOnes() throws {
        let base = try JSONValue(parsing: #"{"Image":"old","SomeFutureField":{"x":1},"HostConfig":{"ShmSize":1024,"Binds":["/a:/a"]},"Env":["A=1"]}"#)
        var options = ContainerCreateOptions(base: try #require(base.objectValue), image: "new", cmd: ["sh", "-c", "true"])
        options.binds = ["/b:/b:ro"]
        options.networkMode = "host"
        options.restartPolicy = .onFailure(maximumRetryCount: 3)
        options.labels = ["k": "v"]
        let json = JSONValue.object(options.json)
        #expect(json["Image"] == "new")
        #expect(json["SomeFutureField"] == ["x": 1])
        #expect(json["Env"] == ["A=1"])
        #expect(json["Cmd"] == ["sh", "-c", "true"])
        #expect(json["Labels"] == ["k": "v"])
        #expect(json["HostConfig"]?["ShmSize"] == 1024)
        #expect(json["HostConfig"]?["Binds"] == ["/b:/b:ro"])
        #expect(json["HostConfig"]?["NetworkMode"] == "host")
        #expect(json["HostConfig"]?["RestartPolicy"] == ["Name": "on-failure", "MaximumRetryCount": 3])
    }
}
