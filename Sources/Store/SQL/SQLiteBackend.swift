import Foundation
import GRDB
import Logging

/// SQLite through GRDB, in WAL mode so the router and the operations process can share one file:
/// readers never block the writer, and writers of both processes take turns (busy timeout).
///
/// One connection: a store transaction spans several awaits (the shared logic is async because
/// PostgreSQL's is), so it is opened and closed explicitly (`allowsUnsafeTransactions`) and the
/// async lock keeps transactions of this process from interleaving on the connection.
///
/// Only `BEGIN` is awaited: it may wait for another process's write lock (busy timeout), which
/// must not hold a concurrency thread. Once the lock is held, statements, `COMMIT` and `ROLLBACK` run
/// synchronously on the calling task, so the lock is never held across a hop through the
/// concurrency pool: on a loaded machine each hop waited seconds behind other work, a
/// transaction of five statements held the lock for many seconds, and the other process's
/// writer gave up after its busy timeout ("database is locked", seen in CI).
///
/// Read-only transactions use a second, read-only connection with its own lock: in WAL mode it
/// reads the last committed state while the writer writes, so a lookup (the router's dedupe,
/// once per batch it decides) does not wait behind a write and its disk sync.
struct SQLiteBackend: SQLBackend {
    let dialect = SQLDialect.sqlite
    let path: String
    private let queue: DatabaseQueue
    private let lock = AsyncLock()
    private let reader: DatabaseQueue
    private let readLock = AsyncLock()

    init(path: String) throws {
        var configuration = Configuration()
        configuration.journalMode = .wal
        // Another process (the router) may hold the write lock for a batch; wait for it.
        configuration.busyMode = .timeout(30)
        configuration.allowsUnsafeTransactions = true
        configuration.label = "drehscheibe.store"
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            queue = try DatabaseQueue(path: path, configuration: configuration)
            // Opened after the writer, which created the file and put it in WAL mode.
            var readerConfiguration = configuration
            readerConfiguration.readonly = true
            readerConfiguration.label = "drehscheibe.store.reader"
            reader = try DatabaseQueue(path: path, configuration: readerConfiguration)
        } catch {
            throw StoreError(.database, "cannot open the SQLite store at \(path)", underlying: error)
        }
        self.path = path
    }

    func transaction<T: Sendable>(
        readOnly: Bool, _ body: @escaping @Sendable (any SQLSession) async throws -> T
    ) async throws -> T {
        try await (readOnly ? readLock : lock).withLock {
            let queue = readOnly ? self.reader : self.queue
            try await queue.writeWithoutTransaction { db in
                // A transaction left open by a failed rollback must not swallow this one.
                if db.isInsideTransaction { try db.rollback() }
                // IMMEDIATE takes the write lock up front: a transaction that reads and then
                // writes cannot be refused halfway because another process wrote meanwhile.
                try db.execute(sql: readOnly ? "BEGIN DEFERRED" : "BEGIN IMMEDIATE")
            }
            do {
                let result = try await body(SQLiteSession(queue: queue))
                try queue.now { db in try db.commit() }
                return result
            } catch {
                try? queue.now { db in
                    if db.isInsideTransaction { try db.rollback() }
                }
                throw error
            }
        }
    }

    func run() async throws {
        // Nothing to keep alive: wait until the service is cancelled or shut down.
        try await waitUntilCancelled()
    }

    func migrate(logger: Logger) async throws {
        try await Migrations.apply(on: self, logger: logger)
    }
}

/// Statements on the backend's connection, inside the transaction `SQLiteBackend` opened.
/// Synchronous on purpose (see `SQLiteBackend`): the transaction holds the write lock, so a
/// statement never waits for another process, only for the disk.
struct SQLiteSession: SQLSession {
    let dialect = SQLDialect.sqlite
    let queue: DatabaseQueue

    func query(_ sql: SQL) async throws -> [SQLRow] {
        let arguments = StatementArguments(sql.binds.map(\.databaseValue))
        let text = sql.text
        return try queue.now { db in
            try Row.fetchAll(db, sql: text, arguments: arguments).map { row in
                SQLRow(columns: Array(row.columnNames), values: row.databaseValues.map(SQLValue.init))
            }
        }
    }
}

extension DatabaseQueue {
    /// The synchronous `writeWithoutTransaction`: in an async function the compiler would pick
    /// the async overload, which hops to GRDB's queue and back.
    fileprivate func now<T>(_ updates: (Database) throws -> T) throws -> T {
        try writeWithoutTransaction(updates)
    }
}

extension SQLValue {
    fileprivate var databaseValue: DatabaseValue {
        switch self {
        case .null: .null
        case .integer(let value): value.databaseValue
        case .real(let value): value.databaseValue
        case .text(let value): value.databaseValue
        case .blob(let value): Data(value).databaseValue
        }
    }

    fileprivate init(_ value: DatabaseValue) {
        switch value.storage {
        case .null: self = .null
        case .int64(let value): self = .integer(value)
        case .double(let value): self = .real(value)
        case .string(let value): self = .text(value)
        case .blob(let value): self = .blob([UInt8](value))
        }
    }
}
