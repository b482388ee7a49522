import DockerClient
import Foundation
import IoTHubProtocol
import MQTTTestSupport
import NIOHTTP1
import Testing

/// Images on the real engine: inspect, list, tag, remove, and pulls that fail (no registry is reachable) — from an
/// unreachable registry, and from a stand-in registry on 127.0.0.1 that checks the credentials Docker forwards.
@Suite struct ImageTests {
    @Test func inspectAndListTheTestImage() async throws {
        let client = try await DockerTest.client()
        let image = try await client.inspectImage(DockerTest.image)
        #expect(image.id.hasPrefix("sha256:"))
        #expect(image.repoTags.contains(DockerTest.image))
        #expect(image.labels["net.swift-iotedge.test-image"] == "busybox")
        #expect(image.os == "linux")
        #expect(image.size > 0)
        let listed = try await client.listImages(filters: ["reference": [DockerTest.image]])
        #expect(listed.map(\.id) == [image.id])
        #expect(try await client.inspectImage(image.id).id == image.id)
    }

    @Test func buildInspectAndRemoveALocalImage() async throws {
        let client = try await DockerTest.client()
        let name = DockerTest.uniqueName("image")
        let tag = "swift-iotedge-test/\(name):1"
        let context = FileManager.default.temporaryDirectory.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: context, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: context) }
        try "FROM \(DockerTest.image)\nLABEL \(DockerTest.label)=\(name)\n".write(
            to: context.appendingPathComponent("Dockerfile"), atomically: true, encoding: .utf8
        )
        let build = try await ChildProcess.run("docker", ["build", "-q", "-t", tag, context.path], environment: ["DOCKER_BUILDKIT": "0"], timeout: .seconds(120))
        #expect(build.status == 0, "docker build: \(build.stderr)")

        let image = try await client.inspectImage(tag)
        #expect(image.labels[DockerTest.label] == name)
        #expect(image.repoTags == [tag])
        #expect(try await client.listImages(filters: ["label": ["\(DockerTest.label)=\(name)"]]).map(\.id) == [image.id])

        // A second tag: removing it only untags.
        let second = "swift-iotedge-test/\(name)-second"
        try await client.tagImage(tag, repository: second, tag: "2")
        #expect(try await client.inspectImage("\(second):2").id == image.id)
        let untagged = try await client.removeImage("\(second):2")
        #expect(untagged == [ImageDeleteItem(untagged: "\(second):2", deleted: nil)])
        #expect(try await client.inspectImage(tag).id == image.id)

        // In use by a container: conflict unless forced.
        let container = DockerTest.uniqueName("image-user")
        var options = DockerTest.options(container, "true")
        options.image = image.id
        try await DockerTest.withContainer(client, name: container, options: options, start: false) { _ in
            let inUse = await dockerError { try await client.removeImage(image.id) }
            #expect(inUse?.code == .conflict)
        }

        let removed = try await client.removeImage(tag)
        #expect(removed.contains(ImageDeleteItem(untagged: tag, deleted: nil)))
        #expect(removed.contains(ImageDeleteItem(untagged: nil, deleted: image.id)))
        let gone = await dockerError { _ = try await client.inspectImage(image.id) }
        #expect(gone?.code == .notFound)
        #expect(gone?.message.contains("No such image") == true)
        let again = await dockerError { try await client.removeImage(tag) }
        #expect(again?.code == .notFound)
    }

    @Test func pullFromAnUnreachableRegistryIsDockersError() async throws {
        let client = try await DockerTest.client()
        let port = try await freePort()
        let reference = "127.0.0.1:\(port)/swift-iotedge-test/none:1"
        let error = try await withDeadline(.seconds(60), "the failed pull") {
            await dockerError { try await client.pullImageToCompletion(reference) }
        }
        #expect(error != nil)
        #expect(error?.status != nil)
        #expect(error?.message.contains("127.0.0.1:\(port)") == true)
        #expect(error?.message.contains("refused") == true)
        let notThere = await dockerError { _ = try await client.inspectImage(reference) }
        #expect(notThere?.code == .notFound)
    }

    @Test func pullOfAnImageThatCannotBeFoundIsDockersErrorWithoutHanging() async throws {
        let client = try await DockerTest.client()
        // Docker Hub is not reachable from here; whatever Docker says (DNS failure, or not found), it says it promptly.
        let reference = "swift-iotedge-test/does-not-exist:\(UUID().uuidString.prefix(8).lowercased())"
        let error = try await withDeadline(.seconds(90), "the failed pull") {
            await dockerError { try await client.pullImageToCompletion(reference) }
        }
        let status = try #require(error?.status)
        #expect(status >= 400 || error?.code == .streamError)
        #expect(error?.message.isEmpty == false)
    }

    @Test func pullForwardsCredentialsAndAnErrorInsideTheStreamIsThrown() async throws {
        let client = try await DockerTest.client()
        let user = "edge-user"
        let password = "p@ss:\(UUID().uuidString.prefix(6))"
        let expected = "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
        let digest = "sha256:" + String(repeating: "ab", count: 32)
        let manifest = #"""
            {"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json",
             "config":{"mediaType":"application/vnd.docker.container.image.v1+json","size":100,"digest":"\#(digest)"},
             "layers":[{"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip","size":100,"digest":"\#(digest)"}]}
            """#
        let registry = try await TestHTTPServer.start { request in
            let api = [("Docker-Distribution-API-Version", "registry/2.0"), ("Content-Type", "application/json")]
            guard request.headers.first(name: "Authorization") == expected else {
                return .full(.unauthorized, api + [("WWW-Authenticate", #"Basic realm="swift-iotedge-test""#)], Array(#"{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}"#.utf8))
            }
            if request.uri == "/v2/" { return .full(.ok, api, Array("{}".utf8)) }
            if request.uri.contains("/manifests/") {
                return .full(.ok, [("Docker-Distribution-API-Version", "registry/2.0"), ("Content-Type", "application/vnd.docker.distribution.manifest.v2+json")], Array(manifest.utf8))
            }
            return .full(.notFound, api, Array(#"{"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown to registry"}]}"#.utf8))
        }
        let port = try #require(registry.port)
        let reference = "127.0.0.1:\(port)/swift-iotedge-test/private:1"
        let auth = RegistryAuth(username: user, password: password, serverAddress: "127.0.0.1:\(port)")
        do {
            // With the credentials: the registry lets Docker read the manifest, the answer starts (200), then the
            // configuration blob is missing — an error inside the stream.
            let (progress, error) = try await withDeadline(.seconds(90), "the pull with credentials") {
                var progress: [PullProgress] = []
                let error = await dockerError {
                    for try await step in try await client.pullImage(reference, auth: auth) { progress.append(step) }
                }
                return (progress, error)
            }
            #expect(progress.contains { $0.status.hasPrefix("Pulling from swift-iotedge-test/private") })
            #expect(error?.code == .streamError)
            #expect(error?.status == 200)
            #expect(error?.message.isEmpty == false)
            #expect(registry.requests.contains { $0.uri.contains("/manifests/1") && $0.headers.first(name: "Authorization") == expected })

            // Without them: refused before any stream.
            let refused = try await withDeadline(.seconds(90), "the pull without credentials") {
                await dockerError { try await client.pullImageToCompletion(reference) }
            }
            let status = try #require(refused?.status)
            #expect(status >= 400)
            #expect(refused?.message.lowercased().contains("auth") == true || refused?.message.lowercased().contains("denied") == true)
        } catch {
            await registry.stop()
            throw error
        }
        await registry.stop()
    }
}
