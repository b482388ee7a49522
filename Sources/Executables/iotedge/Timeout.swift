/// `operation`, or an error once `seconds` have passed.
func withTimeout<T: Sendable>(seconds: Double, _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: .seconds(seconds))
            throw IotedgeError("no answer within \(Int(seconds)) seconds")
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}
