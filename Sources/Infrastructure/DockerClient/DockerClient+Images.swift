import IoTHubProtocol
import NIOCore
import NIOHTTP1

extension DockerClient {
    /// `POST /images/create?fromImage=`: starts pulling `reference` (`name[:tag]` or `name@digest`, as written in a
    /// deployment) and returns its progress stream, which must be read to the end for the pull to be known to have
    /// worked. `auth` becomes the `X-Registry-Auth` header. Errors before the stream starts (registry unreachable,
    /// unknown image, refused credentials) are thrown here with Docker's status.
    public func pullImage(_ reference: String, auth: RegistryAuth? = nil, platform: String? = nil) async throws -> DockerPullStream {
        try Self.requireName(reference, "image")
        var query = DockerQuery()
        query.add("fromImage", reference)
        query.add("platform", platform)
        var headers = HTTPHeaders()
        if let auth { headers.add(name: "X-Registry-Auth", value: auth.headerValue) }
        let response = try await stream(.POST, "/images/create", query, headers: headers)
        return DockerPullStream(body: response.body, reference: reference)
    }

    /// Pulls `reference` to the end; returns the progress seen. Throws on any error, inside the stream or not.
    @discardableResult
    public func pullImageToCompletion(_ reference: String, auth: RegistryAuth? = nil, platform: String? = nil) async throws -> [PullProgress] {
        var progress: [PullProgress] = []
        for try await step in try await pullImage(reference, auth: auth, platform: platform) { progress.append(step) }
        return progress
    }

    /// `GET /images/{name}/json`.
    public func inspectImage(_ name: String) async throws -> ImageInspect {
        try Self.requireName(name, "image")
        return try ImageInspect(json: try await getJSON("/images/\(DockerQuery.imageSegment(name))/json"))
    }

    /// `GET /images/json?all=&filters=`.
    public func listImages(all: Bool = false, filters: DockerFilters = [:]) async throws -> [ImageSummary] {
        var query = DockerQuery()
        query.add("all", all)
        query.add("filters", filters)
        let json = try await getJSON("/images/json", query)
        guard let entries = json.arrayValue else {
            throw DockerError(.invalidResponse, message: "Docker's image list is not an array: \(json.jsonString.prefix(300))")
        }
        return try entries.map(ImageSummary.init(json:))
    }

    /// `DELETE /images/{name}?force=&noprune=`: untags `name` and deletes the image when no tag is left. An image used
    /// by a container is ``DockerError/Code-swift.struct/conflict`` unless `force`.
    @discardableResult
    public func removeImage(_ name: String, force: Bool = false, noPrune: Bool = false) async throws -> [ImageDeleteItem] {
        try Self.requireName(name, "image")
        var query = DockerQuery()
        query.add("force", force)
        query.add("noprune", noPrune)
        let response = try await call(.DELETE, "/images/\(DockerQuery.imageSegment(name))", query, expecting: [200])
        let json = try Self.parseJSON(response.body)
        return (json.arrayValue ?? []).map { ImageDeleteItem(untagged: $0.string("Untagged"), deleted: $0.string("Deleted")) }
    }

    /// `POST /images/{name}/tag?repo=&tag=`: gives image `name` the reference `repo:tag`.
    public func tagImage(_ name: String, repository: String, tag: String? = nil) async throws {
        try Self.requireName(name, "image")
        var query = DockerQuery()
        query.add("repo", repository)
        query.add("tag", tag)
        _ = try await call(.POST, "/images/\(DockerQuery.imageSegment(name))/tag", query, expecting: [201])
    }
}
