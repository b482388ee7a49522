import DockerClient
import EdgeDaemon
import EdgeTestSupport
import Foundation
import Logging
import MQTTTestSupport
import Testing

@Suite("Image garbage collection against the real engine (§4.8)")
struct ImageGarbageCollectionTests {
    /// A new image (its own id) built from the test image.
    static func buildImage(_ tag: String) async throws -> String {
        let context = FileManager.default.temporaryDirectory.appendingPathComponent("gc-image-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: context, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: context) }
        try "FROM \(EdgeTestDevice.image)\nLABEL net.swift-iotedge.test-gc=\"\(tag)\"\n".write(toFile: "\(context)/Dockerfile", atomically: true, encoding: .utf8)
        let result = try await ChildProcess.run("docker", ["build", "-q", "-t", tag, context], environment: ["DOCKER_BUILDKIT": "0"], timeout: .seconds(120))
        guard result.status == 0 else { throw TestFailure("docker build failed: \(result.stderr)") }
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test("removes recorded images that are unused and older than the threshold; keeps young, used and the agent's; refreshes used ones")
    func collect() async throws {
        let docker = try await DockerTestEngine.client()
        let suffix = String(UUID().uuidString.prefix(8)).lowercased()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gc-\(suffix)").path
        let oldTag = "swift-iotedge-test/gc-old-\(suffix):1"
        let youngTag = "swift-iotedge-test/gc-young-\(suffix):1"
        let usedTag = "swift-iotedge-test/gc-used-\(suffix):1"
        let module = "gc-module-\(suffix)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let old = try await Self.buildImage(oldTag)
        let young = try await Self.buildImage(youngTag)
        let used = try await Self.buildImage(usedTag)
        do {
            let runtime = ModuleRuntime(
                docker: docker, createBody: ContainerCreateBody(instanceLabel: "gc-\(suffix)"), images: ImageUseStore(directory: directory),
                logger: makeTestLogger(label: "gc")
            )
            try await runtime.create(ModuleSpec(name: module, imagePullPolicy: .never, config: DockerConfig(image: usedTag)))
            let agentImage = try await docker.inspectImage(EdgeTestDevice.image).id
            let now = Date()
            let tenDaysAgo = Int64(now.timeIntervalSince1970) - 10 * 86_400
            try await runtime.images.replace([old: tenDaysAgo, young: Int64(now.timeIntervalSince1970) - 60, used: tenDaysAgo, agentImage: tenDaysAgo])

            let collector = ImageGarbageCollector(
                runtime: runtime, settings: .init(imageAgeCleanupThreshold: 7 * 86_400), agentImage: EdgeTestDevice.image, logger: makeTestLogger(label: "gc")
            )
            let removed = try await collector.collect(now: now)
            #expect(removed == [old])
            #expect((try? await docker.inspectImage(oldTag)) == nil)
            #expect((try? await docker.inspectImage(youngTag)) != nil)
            #expect((try? await docker.inspectImage(usedTag)) != nil)
            #expect((try? await docker.inspectImage(EdgeTestDevice.image)) != nil)
            let entries = try await ImageUseStore(directory: directory).all()
            #expect(entries[old] == nil)
            #expect(entries[used] == Int64(now.timeIntervalSince1970))
            #expect(entries[agentImage] == Int64(now.timeIntervalSince1970))
            #expect(entries[young] == Int64(now.timeIntervalSince1970) - 60)
            // The file is the reference's format.
            let text = try String(contentsOfFile: "\(directory)/image_use", encoding: .utf8)
            #expect(text.split(separator: "\n").allSatisfy { $0.split(separator: " ").count == 2 && $0.hasPrefix("sha256:") })
        } catch {
            Issue.record("\(error)")
        }
        try? await docker.removeContainer(module, force: true)
        for tag in [oldTag, youngTag, usedTag] { _ = try? await docker.removeImage(tag, force: true) }
    }
}
