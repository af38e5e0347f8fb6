import Logging

/// The two SQL dialects the store speaks. Statements are written once with `?` placeholders;
/// only DDL and locking differ.
enum SQLDialect: Sendable {
    case sqlite
    case postgres
}

/// Statements inside one transaction. Every store operation is written once against this, so
/// SQLite and PostgreSQL behave the same by construction (and the same tests prove it).
protocol SQLSession: Sendable {
    var dialect: SQLDialect { get }
    /// Runs a statement and returns its rows (none for statements without RETURNING).
    @discardableResult
    func query(_ sql: SQL) async throws -> [SQLRow]

    /// Inserts `rows` (values in `columns` order). Default: multi-row statements.
    func insert(into table: String, columns: [String], rows: [[SQLValue]]) async throws
}

extension SQLSession {
    func execute(_ sql: SQL) async throws { try await query(sql) }

    func execute(_ text: String, _ binds: [SQLValue] = []) async throws { try await query(SQL(text, binds)) }

    func query(_ text: String, _ binds: [SQLValue] = []) async throws -> [SQLRow] { try await query(SQL(text, binds)) }

    /// One `INSERT … VALUES (…), (…), …` per chunk of rows instead of one statement per row:
    /// a batch of routing decisions costs a few statements (each a round trip), not three per
    /// message.
    func insert(into table: String, columns: [String], rows: [[SQLValue]]) async throws {
        guard !rows.isEmpty else { return }
        // Well below SQLite's 32766 and PostgreSQL's 65535 bind parameters.
        let perStatement = max(1, 30_000 / columns.count)
        let tuple = "(" + SQL.placeholders(columns.count) + ")"
        for start in stride(from: 0, to: rows.count, by: perStatement) {
            let chunk = rows[start..<min(start + perStatement, rows.count)]
            let values = Array(repeating: tuple, count: chunk.count).joined(separator: ", ")
            try await execute(
                "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES \(values)",
                chunk.flatMap { $0 })
        }
    }
}

/// A database the store can run transactions on.
protocol SQLBackend: Sendable {
    var dialect: SQLDialect { get }

    /// Runs `body` in one transaction: committed when it returns, rolled back when it throws.
    /// Write transactions are serialised against every other writer (other processes and,
    /// for PostgreSQL, other hub instances) where the store's logic needs it.
    ///
    /// Runs to its end even when the calling task is cancelled, so a cancelled caller never
    /// leaves a half-done change behind. Each backend shields exactly the part that would
    /// observe cancellation (an extra task per transaction is a thread hand-off, and the
    /// router reads once per batch it decides).
    func transaction<T: Sendable>(
        readOnly: Bool, _ body: @escaping @Sendable (any SQLSession) async throws -> T
    ) async throws -> T

    /// Keeps the backend's connections alive until cancelled or shut down gracefully.
    func run() async throws

    /// Creates or upgrades the schema; safe to run from several processes at once.
    func migrate(logger: Logger) async throws
}
