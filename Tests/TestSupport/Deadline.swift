/// A wait in a test that ran out of time.
public struct TestTimeout: Error, CustomStringConvertible {
    public var what: String
    public init(what: String) { self.what = what }
    public var description: String { "timed out \(what)" }
}

/// Runs `body` with a deadline, so a broken feature fails the test instead of hanging it.
/// `body` must end when cancelled (awaiting an unstructured task's value does not).
public func withDeadline<T: Sendable>(
    _ timeout: Duration = .seconds(60), _ what: String, _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: timeout)
            throw TestTimeout(what: what)
        }
        let result = try await group.next()!
        group.cancelAll()
        return result
    }
}
