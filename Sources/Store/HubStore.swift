import Foundation
import Logging
import Synchronization

/// The hub's persistent state: the router's dedupe marks and routing log, the dead letters
/// with their edits and replays, and the hash-chained audit log. One implementation over two
/// backends: SQLite (embedded default; WAL, so the router and the operations process share one
/// file) and PostgreSQL (several hub instances).
///
/// Lifecycle: `run()` keeps the backend's connections (PostgreSQL) until it is cancelled: run
/// it once, as a service or through `withStore(_:logger:_:)`. The schema is created or upgraded
/// on first use. Changes are not interrupted by task cancellation: a write transaction that
/// began is finished (they are short), so a cancelled caller never leaves a half-done change
/// behind.
public final class HubStore: RoutingLedger {
    public let location: StoreLocation
    let backend: any SQLBackend
    let logger: Logger
    private let migration = Mutex<Task<Void, any Error>?>(nil)

    /// Opens (and for SQLite creates) the store. No connection is made before first use.
    public init(_ location: StoreLocation, logger: Logger) throws {
        self.location = location
        self.logger = logger
        switch location {
        case .sqlite(let path): backend = try SQLiteBackend(path: path)
        case .postgres(let postgres): backend = PostgresBackend(location: postgres, logger: logger)
        }
    }

    /// Keeps the backend's connections until cancelled. Call once.
    public func run() async throws {
        try await backend.run()
    }

    /// Opens the store, runs it for the duration of `body`, and shuts it down: for commands
    /// that use the store briefly.
    public static func withStore<T: Sendable>(
        _ location: StoreLocation, logger: Logger, _ body: @Sendable (HubStore) async throws -> T
    ) async throws -> T {
        let store = try HubStore(location, logger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await store.run() }
            defer { group.cancelAll() }
            return try await body(store)
        }
    }

    /// Creates or upgrades the schema now (otherwise the first operation does).
    public func migrate() async throws {
        try await ready()
    }

    private func ready() async throws {
        let task = migration.withLock { current -> Task<Void, any Error> in
            if let current { return current }
            let backend = self.backend
            let logger = self.logger
            let task = Task { try await backend.migrate(logger: logger) }
            current = task
            return task
        }
        do {
            try await task.value
        } catch {
            // Let the next operation try again (the database may come back).
            migration.withLock { if $0 == task { $0 = nil } }
            throw error
        }
    }

    /// A write transaction (the backend runs it to its end even if the caller is cancelled).
    func write<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) async throws -> T) async throws -> T {
        try await ready()
        return try await backend.transaction(readOnly: false, body)
    }

    /// A read-only transaction (one consistent snapshot).
    func read<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) async throws -> T) async throws -> T {
        try await ready()
        return try await backend.transaction(readOnly: true, body)
    }
}

/// Waits until the current task is cancelled.
func waitUntilCancelled() async throws {
    let (stream, continuation) = AsyncStream<Never>.makeStream()
    for await _ in stream {}
    continuation.finish()
}
