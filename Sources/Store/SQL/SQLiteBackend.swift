import Foundation
import GRDB
import GRDBSQLite
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
/// once per batch it decides) does not wait behind a write and its disk sync. They run
/// synchronously from BEGIN to COMMIT: nothing in them waits for another process for long.
///
/// Statements are synchronous, so nothing but the awaited BEGIN observes cancellation: a
/// transaction runs to its end once it holds the lock.
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
        configuration.prepareDatabase { db in
            // SQLite's own checkpoint size (1000 pages, 4 MB), said explicitly because a larger
            // one was tried and hurt: with 40 MB a checkpoint copied ~10 MB of pages into the
            // database file and synced it in one burst, and on a disk shared with the broker its
            // syncs waited behind that burst — a stall of the whole hub every few seconds
            // (`bench router --rate 1000`, docs/benchmarks.md). The smaller checkpoints cost
            // some CPU (pages the ledger changes in most writes are copied more often). The
            // WAL file is cut back to 64 MB after a checkpoint a long reader held up.
            try db.execute(sql: "PRAGMA wal_autocheckpoint = 1000")
            try db.execute(sql: "PRAGMA journal_size_limit = 67108864")
        }
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
            if readOnly {
                // A WAL reader takes no lock another process holds for long, so BEGIN runs here
                // too: the router looks up every batch it decides, and the hop to GRDB's queue
                // and back cost more than the lookup.
                try queue.now { db in try Self.begin(db, "BEGIN DEFERRED") }
            } else {
                // IMMEDIATE takes the write lock up front: a transaction that reads and then
                // writes cannot be refused halfway because another process wrote meanwhile.
                // It may wait for another process's write lock (busy timeout): off this thread,
                // in a task of its own because GRDB's async access gives up when cancelled.
                try await Task { try await queue.writeWithoutTransaction { db in try Self.begin(db, "BEGIN IMMEDIATE") } }.value
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

    private static func begin(_ db: Database, _ statement: String) throws {
        // A transaction left open by a failed rollback must not swallow this one.
        if db.isInsideTransaction { try db.rollback() }
        try db.execute(sql: statement)
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
///
/// GRDB prepares the statements (and keeps the reused ones); values are bound and rows read
/// with SQLite's C API. GRDB's `StatementArguments` converts each value through generic code
/// that is not specialised across modules: with the router's ledger writing a few thousand
/// values per transaction that conversion alone was about 5 % of the router's CPU.
struct SQLiteSession: SQLSession {
    let dialect = SQLDialect.sqlite
    let queue: DatabaseQueue

    func query(_ sql: SQL) async throws -> [SQLRow] {
        try queue.now { db in
            let statement = try sql.reused ? db.cachedStatement(sql: sql.text) : db.makeStatement(sql: sql.text)
            return try Self.run(statement, binding: sql.binds, in: db)
        }
    }

    /// One prepared single-row statement, stepped once per row: nothing to round-trip here,
    /// and a multi-row statement was parsed (and authorised by GRDB) anew for every batch size.
    func insert(into table: String, columns: [String], rows: [[SQLValue]]) async throws {
        guard !rows.isEmpty else { return }
        let text = "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES (\(SQL.placeholders(columns.count)))"
        try queue.now { db in
            let statement = try db.cachedStatement(sql: text)
            for row in rows { _ = try Self.run(statement, binding: row, in: db) }
        }
    }

    private static func run(_ statement: Statement, binding values: [SQLValue], in db: Database) throws -> [SQLRow] {
        let handle = statement.sqliteStatement
        // Left reset and unbound after every use (a reused statement must not keep the last
        // call's values or its read lock), so it starts clean here too.
        defer {
            sqlite3_reset(handle)
            sqlite3_clear_bindings(handle)
        }
        guard values.count == Int(sqlite3_bind_parameter_count(handle)) else {
            throw DatabaseError(message: "\(values.count) values for \(sqlite3_bind_parameter_count(handle)) parameters", sql: statement.sql)
        }
        for (index, value) in zip(CInt(1)..., values) {
            let code = value.bind(to: handle, at: index)
            guard code == SQLITE_OK else { throw DatabaseError(resultCode: .init(rawValue: code), message: db.lastErrorMessage, sql: statement.sql) }
        }
        var rows: [SQLRow] = []
        var columns: [String]?
        while true {
            switch sqlite3_step(handle) {
            case SQLITE_DONE:
                return rows
            case SQLITE_ROW:
                let names = columns ?? statement.columnNames
                columns = names
                rows.append(SQLRow(columns: names, values: (0..<CInt(names.count)).map { SQLValue(column: $0, of: handle) }))
            case let code:
                throw DatabaseError(resultCode: .init(rawValue: code), message: db.lastErrorMessage, sql: statement.sql)
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
    /// SQLite copies the bytes during the call.
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    fileprivate func bind(to statement: SQLiteStatement, at index: CInt) -> CInt {
        switch self {
        case .null:
            return sqlite3_bind_null(statement, index)
        case .integer(let value):
            return sqlite3_bind_int64(statement, index, value)
        case .real(let value):
            return sqlite3_bind_double(statement, index, value)
        case .text(let value):
            // With the length, so a NUL inside the text is kept.
            return value.withCString { sqlite3_bind_text(statement, index, $0, CInt(value.utf8.count), Self.transient) }
        case .blob(let value):
            // An empty array may have no address, which would bind NULL.
            if value.isEmpty { return sqlite3_bind_zeroblob(statement, index, 0) }
            return value.withUnsafeBytes { sqlite3_bind_blob(statement, index, $0.baseAddress, CInt($0.count), Self.transient) }
        }
    }

    fileprivate init(column: CInt, of statement: SQLiteStatement) {
        switch sqlite3_column_type(statement, column) {
        case SQLITE_INTEGER:
            self = .integer(sqlite3_column_int64(statement, column))
        case SQLITE_FLOAT:
            self = .real(sqlite3_column_double(statement, column))
        case SQLITE_TEXT:
            // Text first, then its length (SQLite's documented order); the length keeps a NUL.
            guard let text = sqlite3_column_text(statement, column) else {
                self = .text("")
                return
            }
            self = .text(String(decoding: UnsafeRawBufferPointer(start: text, count: Int(sqlite3_column_bytes(statement, column))), as: UTF8.self))
        case SQLITE_BLOB:
            let count = Int(sqlite3_column_bytes(statement, column))
            guard count > 0, let bytes = sqlite3_column_blob(statement, column) else {
                self = .blob([])
                return
            }
            self = .blob(Array(UnsafeRawBufferPointer(start: bytes, count: count)))
        default:
            self = .null
        }
    }
}
