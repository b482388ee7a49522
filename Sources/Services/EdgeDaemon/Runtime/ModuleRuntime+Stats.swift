import DockerClient
public import IoTHubProtocol
import NIOHTTP1

extension ModuleRuntime {
    /// One Docker stats sample (`GET /containers/{name}/stats?stream=false`, Docker's JSON object unchanged) per
    /// module, in the order of ``containers()``. The samples are taken at the same time (Docker needs about a second
    /// for each). Any failure fails the whole call with `500`, as the reference does.
    public func stats() async throws -> [JSONValue] {
        let names: [String]
        do {
            names = try await containers().map(\.name)
        } catch {
            throw ModuleRuntimeError(status: .internalServerError, message: "could not get the Docker stats of the modules: \(error)")
        }
        return try await withThrowingTaskGroup(of: (Int, JSONValue).self) { group in
            for (index, name) in names.enumerated() {
                group.addTask {
                    do {
                        return (index, try await docker.stats(name))
                    } catch let error as DockerError {
                        throw ModuleRuntimeError(status: .internalServerError, message: "could not get the Docker stats of module \(name): \(error.message)")
                    }
                }
            }
            var samples = [JSONValue?](repeating: nil, count: names.count)
            for try await (index, sample) in group { samples[index] = sample }
            return samples.compactMap { $0 }
        }
    }
}
