import Foundation
import Logging
import PostgresNIO
import Synchronization

/// PostgreSQL through postgres-nio's pooled client, for several hub instances sharing one store.
///
/// The client's connections live as long as `run()` runs (call it once, e.g. as a Service).
/// Every store schema object lives in the location's schema (`search_path` is set per
/// connection), so several stores can share a database.
struct PostgresBackend: SQLBackend {
    let dialect = SQLDialect.postgres
    let client: PostgresClient
    let schema: String
    let logger: Logger
    let connectionWait: Duration

    init(location: PostgresLocation, logger: Logger) {
        var configuration = PostgresClient.Configuration(
            host: location.host, port: location.port, username: location.username, password: location.password,
            database: location.database, tls: location.tls.clientTLS)
        configuration.options.additionalStartupParameters = [
            ("search_path", location.schema), ("application_name", location.applicationName),
        ]
        configuration.options.maximumConnections = location.maximumConnections
        self.client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.schema = location.schema
        self.logger = logger
        self.connectionWait = location.connectionWait
    }

    func transaction<T: Sendable>(
        readOnly: Bool, _ body: @escaping @Sendable (any SQLSession) async throws -> T
    ) async throws -> T {
        let logger = self.logger
        let client = self.client
        let connectionWait = self.connectionWait
        do {
            // The client cancels a query when its task is cancelled: a task of its own.
            return try await Task { try await Self.withConnectionWait(connectionWait) { leased in
                try await client.withTransaction(logger: logger) { connection in
                    leased()
                    let session = PostgresSession(connection: connection, logger: logger)
                    // One snapshot for all statements of a read, like SQLite's deferred transaction.
                    if readOnly { try await session.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY") }
                    return try await body(session)
                }
            } }.value
        } catch let error as PostgresTransactionError {
            // The caller wants the store's own error (not found, conflict), not the wrapper.
            if let closureError = error.closureError, error.commitError == nil {
                if let storeError = closureError as? StoreError { throw storeError }
                throw StoreError(.database, "a PostgreSQL statement failed", underlying: SendableError(closureError))
            }
            throw StoreError(.database, "a PostgreSQL transaction failed", underlying: SendableError(error))
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.database, "PostgreSQL is not reachable", underlying: SendableError(error))
        }
    }

    func run() async throws {
        await client.run()
    }

    /// Runs `operation`, which calls `leased()` once it holds a connection; fails it (cancelling
    /// the lease request) when that takes longer than `wait`. Only the wait for a connection is
    /// bounded, never the statements: a transaction that has its connection runs to its end.
    static func withConnectionWait<T: Sendable>(
        _ wait: Duration, _ operation: @escaping @Sendable (_ leased: @escaping @Sendable () -> Void) async throws -> T
    ) async throws -> T {
        let state = LeaseState()
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await operation { state.leased() } }
            group.addTask {
                try await Task.sleep(for: wait)
                guard state.timeOut() else { return nil }
                throw StoreError(.database, "no PostgreSQL connection within \(wait) (server unreachable, refusing connections or out of slots)")
            }
            while let result = try await group.next() {
                if let value = result {
                    group.cancelAll()
                    return value
                }
            }
            throw CancellationError()
        }
    }

    func migrate(logger: Logger) async throws {
        // The schema must exist before anything can be created in it (search_path names it).
        // Only when missing: creating needs the CREATE privilege on the database, using does not.
        let schema = self.schema
        try await transaction(readOnly: false) { session in
            // CREATE SCHEMA IF NOT EXISTS races with itself: instances starting together take turns.
            try await session.execute(
                "SELECT 1 AS locked FROM (SELECT pg_advisory_xact_lock(hashtext(?))) AS l", [.text("drehscheibe.schema.\(schema)")])
            if try await session.query("SELECT 1 AS found FROM pg_namespace WHERE nspname = ?", [.text(schema)]).isEmpty {
                try await session.execute("CREATE SCHEMA IF NOT EXISTS \"\(schema)\"")
            }
        }
        try await Migrations.apply(on: self, logger: logger)
    }
}

/// Statements on one leased connection inside `withTransaction`.
struct PostgresSession: SQLSession {
    let dialect = SQLDialect.postgres
    let connection: PostgresConnection
    let logger: Logger

    func query(_ sql: SQL) async throws -> [SQLRow] {
        var bindings = PostgresBindings(capacity: sql.binds.count)
        for bind in sql.binds {
            switch bind {
            case .null: bindings.appendNull()
            case .integer(let value): bindings.append(value)
            case .real(let value): bindings.append(value)
            case .text(let value): bindings.append(value)
            case .blob(let value): bindings.append(ByteBuffer(bytes: value))
            }
        }
        let query = PostgresQuery(unsafeSQL: Self.numberPlaceholders(sql.text), binds: bindings)
        var rows: [SQLRow] = []
        for try await row in try await connection.query(query, logger: logger) {
            var columns: [String] = []
            var values: [SQLValue] = []
            for cell in row {
                columns.append(cell.columnName)
                values.append(try Self.value(of: cell))
            }
            rows.append(SQLRow(columns: columns, values: values))
        }
        return rows
    }

    /// `?` → `$1`, `$2`, …; quoted literals and identifiers are left alone.
    static func numberPlaceholders(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count + 16)
        var number = 0
        var quote: Character?
        for character in text {
            if let open = quote {
                if character == open { quote = nil }
                out.append(character)
            } else if character == "'" || character == "\"" {
                quote = character
                out.append(character)
            } else if character == "?" {
                number += 1
                out += "$\(number)"
            } else {
                out.append(character)
            }
        }
        return out
    }

    private static func value(of cell: PostgresCell) throws -> SQLValue {
        guard var bytes = cell.bytes else { return .null }
        switch cell.dataType {
        case .int2, .int4, .int8: return .integer(try cell.decode(Int64.self))
        case .float4, .float8: return .real(try cell.decode(Double.self))
        case .bool: return .integer(try cell.decode(Bool.self) ? 1 : 0)
        case .bytea: return .blob(bytes.readBytes(length: bytes.readableBytes) ?? [])
        default: return .text(try cell.decode(String.self))
        }
    }
}

/// Carries an error's description across isolation boundaries. For PostgreSQL errors it keeps
/// the SQLSTATE and the server's primary message (which names constraints and tables, never
/// values: those are in the detail field, which is left out).
struct SendableError: Error, Sendable, CustomStringConvertible {
    let description: String

    init(_ error: any Error) {
        if let transaction = error as? PostgresTransactionError {
            let inner = transaction.closureError ?? transaction.commitError ?? transaction.beginError
            description = inner.map { SendableError($0).description } ?? "transaction failed"
        } else if let psql = error as? PSQLError {
            var text = "PostgreSQL \(psql.code)"
            if let state = psql.serverInfo?[.sqlState] { text += " SQLSTATE \(state)" }
            if let message = psql.serverInfo?[.message] { text += ": \(message)" }
            description = text
        } else {
            description = String(describing: error)
        }
    }
}

/// Whether a transaction got its connection before the wait ran out; whichever comes first wins.
final class LeaseState: Sendable {
    private let state = Mutex<(leased: Bool, timedOut: Bool)>((false, false))

    func leased() { state.withLock { if !$0.timedOut { $0.leased = true } } }

    /// True when the wait ran out before a connection was leased.
    func timeOut() -> Bool {
        state.withLock { state in
            guard !state.leased else { return false }
            state.timedOut = true
            return true
        }
    }
}
