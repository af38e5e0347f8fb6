import CaseModel
import Foundation
import Logging

/// The schema, as numbered migrations applied once each, in one transaction (both SQLite and
/// PostgreSQL have transactional DDL). PostgreSQL instances starting together serialise on an
/// advisory lock; SQLite processes on the write lock.
enum Migrations {
    struct Migration: Sendable {
        var version: Int64
        var statements: @Sendable (SQLDialect) -> [String]
        /// Runs after the statements, in the same transaction.
        var then: (@Sendable (any SQLSession) async throws -> Void)? = nil
    }

    static let all: [Migration] = [
        Migration(version: 1, statements: version1),
        Migration(version: 2, statements: version2),
        Migration(version: 3, statements: version3),
        Migration(version: 4, statements: { _ in [] }, then: version4),
        Migration(version: 5, statements: version5),
        Migration(version: 6, statements: version6),
    ]

    static func apply(on backend: some SQLBackend, logger: Logger) async throws {
        let applied = try await backend.transaction(readOnly: false) { session -> [Int64] in
            if session.dialect == .postgres {
                try await session.execute(
                    "SELECT 1 AS locked FROM (SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.drehscheibe.migrations'))) AS l")
            }
            try await session.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)")
            let done = Set(try await session.query("SELECT version FROM schema_migrations").map { try $0.int("version") })
            var applied: [Int64] = []
            for migration in all where !done.contains(migration.version) {
                for statement in migration.statements(session.dialect) {
                    try await session.execute(statement)
                }
                try await migration.then?(session)
                try await session.execute(
                    "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)", [.integer(migration.version), .init(Date())])
                applied.append(migration.version)
            }
            return applied
        }
        for version in applied {
            logger.info("store schema migrated", metadata: ["store.schema.version": "\(version)"])
        }
    }

    private static func version1(_ dialect: SQLDialect) -> [String] {
        let id = dialect == .sqlite ? "INTEGER PRIMARY KEY AUTOINCREMENT" : "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY"
        let blob = dialect == .sqlite ? "BLOB" : "BYTEA"
        let real = dialect == .sqlite ? "REAL" : "DOUBLE PRECISION"
        var statements = [
            // Dedupe: ids whose routing ended in delivery.
            "CREATE TABLE delivered_messages (message_id TEXT PRIMARY KEY, delivered_at BIGINT NOT NULL)",
            """
            CREATE TABLE routing_log (
                id \(id), message_id TEXT NOT NULL, event_type TEXT, case_id TEXT, source TEXT, sender TEXT,
                received_at BIGINT NOT NULL, decided_at BIGINT NOT NULL, replayed BIGINT NOT NULL, outcome TEXT NOT NULL,
                deliveries TEXT, error_code TEXT, stage TEXT, reason TEXT)
            """,
            "CREATE INDEX routing_log_case ON routing_log (case_id)",
            "CREATE INDEX routing_log_message ON routing_log (message_id)",
            """
            CREATE TABLE dead_letters (
                id \(id), fingerprint TEXT NOT NULL UNIQUE, message_id TEXT, event_type TEXT, source_agency TEXT, case_id TEXT,
                error_code TEXT NOT NULL, error_detail TEXT, stage TEXT, pointer TEXT, reason TEXT, attempts BIGINT,
                first_failure BIGINT, last_failure BIGINT, original_exchange TEXT, original_routing_key TEXT, router_version TEXT,
                broker_dead_lettered BIGINT NOT NULL, exchange TEXT NOT NULL, routing_key TEXT NOT NULL, received_at BIGINT NOT NULL,
                body \(blob) NOT NULL, properties TEXT NOT NULL, edited_body \(blob), state TEXT NOT NULL, revalidation TEXT,
                revision BIGINT NOT NULL, replay_count BIGINT NOT NULL, last_replay_id TEXT, last_replayed_at BIGINT,
                state_before_replay TEXT, discard_reason TEXT, updated_at BIGINT NOT NULL)
            """,
            "CREATE INDEX dead_letters_error_code ON dead_letters (error_code)",
            "CREATE INDEX dead_letters_event_type ON dead_letters (event_type)",
            "CREATE INDEX dead_letters_source_agency ON dead_letters (source_agency)",
            "CREATE INDEX dead_letters_case ON dead_letters (case_id)",
            "CREATE INDEX dead_letters_message ON dead_letters (message_id)",
            "CREATE INDEX dead_letters_received ON dead_letters (received_at)",
            "CREATE INDEX dead_letters_state ON dead_letters (state)",
            """
            CREATE TABLE dead_letter_edits (
                dead_letter_id BIGINT NOT NULL REFERENCES dead_letters (id), revision BIGINT NOT NULL, edited_at BIGINT NOT NULL,
                actor TEXT NOT NULL, role TEXT NOT NULL, reason TEXT, patch TEXT NOT NULL, diff TEXT NOT NULL,
                body \(blob) NOT NULL, revalidation TEXT NOT NULL, PRIMARY KEY (dead_letter_id, revision))
            """,
            """
            CREATE TABLE replay_jobs (
                id TEXT PRIMARY KEY, created_at BIGINT NOT NULL, actor TEXT NOT NULL, role TEXT NOT NULL, reason TEXT,
                target TEXT NOT NULL, selection TEXT NOT NULL, rate \(real), state TEXT NOT NULL, runner TEXT,
                heartbeat_at BIGINT, finished_at BIGINT, skipped TEXT NOT NULL)
            """,
            """
            CREATE TABLE replay_items (
                job_id TEXT NOT NULL REFERENCES replay_jobs (id), dead_letter_id BIGINT NOT NULL REFERENCES dead_letters (id),
                position BIGINT NOT NULL, exchange TEXT NOT NULL, routing_key TEXT NOT NULL, state TEXT NOT NULL,
                attempts BIGINT NOT NULL, updated_at BIGINT NOT NULL, outcome TEXT, PRIMARY KEY (job_id, dead_letter_id))
            """,
            "CREATE INDEX replay_items_dead_letter ON replay_items (dead_letter_id)",
            """
            CREATE TABLE audit_log (
                sequence BIGINT PRIMARY KEY, recorded_at BIGINT NOT NULL, actor TEXT NOT NULL, role TEXT NOT NULL,
                action TEXT NOT NULL, subject TEXT NOT NULL, case_id TEXT, reason TEXT, details TEXT NOT NULL,
                previous_hash TEXT NOT NULL, hash TEXT NOT NULL)
            """,
            "CREATE INDEX audit_log_case ON audit_log (case_id)",
            "CREATE INDEX audit_log_subject ON audit_log (subject)",
            // The chain's head: the last sequence and hash. Appends lock this row, so records are
            // numbered without gaps across processes; a log shorter than the head was truncated.
            "CREATE TABLE audit_head (id BIGINT PRIMARY KEY, sequence BIGINT NOT NULL, hash TEXT NOT NULL)",
            "INSERT INTO audit_head (id, sequence, hash) VALUES (1, 0, '\(AuditChain.genesis)')",
        ]
        // Append-only, enforced by the database as well (the hash chain detects what slips past).
        switch dialect {
        case .sqlite:
            statements += [
                "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
                "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
            ]
        case .postgres:
            statements += [
                "CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$",
                "CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
                "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()",
            ]
        }
        return statements
    }

    /// Indexes only where a query reads: the router writes every routed message into the
    /// routing log and the audit log, and each index keyed by a random value (message ids, case
    /// ids) costs a page of WAL and checkpoint writes per message once the index outgrows a
    /// transaction; with five such indexes (and a table of delivered ids) the SQLite ledger cost
    /// the router more CPU than routing itself.
    /// - The dedupe finds delivered messages in the routing log by case and id (`DedupeKey`),
    ///   so one index serves it and the trace; `delivered_messages` goes (its rows were written
    ///   together with their routing-log rows, so no mark is lost).
    /// - No query looks audit records up by subject, and the trace reads the router's decisions
    ///   from the routing log, so the audit log's case index covers only the others (the
    ///   predicate is the trace query's, so both databases use the partial index).
    private static func version2(_ dialect: SQLDialect) -> [String] {
        [
            "CREATE INDEX routing_log_case_message ON routing_log (case_id, message_id)",
            "DROP INDEX routing_log_case",
            "DROP INDEX routing_log_message",
            "DROP TABLE delivered_messages",
            "DROP INDEX audit_log_subject",
            "DROP INDEX audit_log_case",
            "CREATE INDEX audit_log_case ON audit_log (case_id) WHERE action NOT LIKE 'route.%'",
        ]
    }

    /// The routing log's rows name the audit record that covers them (``RoutingDigest``): the
    /// router's decisions are audited a batch per record instead of a record per message. Rows
    /// written before stay NULL here; their own per-message audit records cover them.
    private static func version3(_ dialect: SQLDialect) -> [String] {
        ["ALTER TABLE routing_log ADD COLUMN audit_sequence BIGINT"]
    }

    /// From here on storing a dead letter writes a `dead-letter.stored` record
    /// (``DeadLetterCoverage``). A store that holds dead letters already gets one record saying
    /// how many there were and up to which id: those have no such record, and `audit verify`
    /// counts them instead of reporting them; any other dead letter without one was written
    /// into the database directly. A new store gets no record.
    private static func version4(_ session: any SQLSession) async throws {
        guard let row = try await session.query("SELECT COUNT(*) AS n, MAX(id) AS last FROM dead_letters").first else { return }
        let count = try row.int("n")
        guard count > 0 else { return }
        _ = try await AuditWriter.append(
            [AuditEntry(
                actor: AuditActor(name: "store", role: "service"), action: DeadLetterCoverage.legacyMarker, subject: "dead-letters",
                reason: "dead letters stored from now on are audited with the digests of their bodies",
                details: ["deadLetters": .number(JSONNumber(count)), "lastDeadLetterID": .number(JSONNumber(try row.int("last")))])],
            in: session)
    }

    /// Where each dead letter came from (``DeadLetterOrigin``) and the sender the hub vouches
    /// for, the only one a replay may speak for. Letters stored before are `unknown`: their
    /// headers were read without asking who wrote them, so they are not replayed (fail closed).
    /// A replay item may name the one agency the router is to deliver to again (every replay
    /// goes through the router; none is published to an inbox directly any more).
    private static func version5(_ dialect: SQLDialect) -> [String] {
        [
            "ALTER TABLE dead_letters ADD COLUMN origin TEXT NOT NULL DEFAULT 'unknown'",
            "ALTER TABLE dead_letters ADD COLUMN sender TEXT",
            "ALTER TABLE replay_items ADD COLUMN recipient TEXT",
        ]
    }

    /// The statutory periods the hub keeps (``Deadline``), and the answers that close them
    /// (kept apart, so an answer recorded before its request's deadline still closes it).
    private static func version6(_ dialect: SQLDialect) -> [String] {
        [
            """
            CREATE TABLE deadlines (
                id TEXT PRIMARY KEY, rule TEXT NOT NULL, case_id TEXT NOT NULL, request_message_id TEXT NOT NULL, request_id TEXT,
                requester TEXT NOT NULL, actor TEXT NOT NULL, received_at BIGINT NOT NULL, due_at BIGINT NOT NULL, due_date TEXT NOT NULL,
                claimed_due TEXT, identifiers TEXT NOT NULL, state TEXT NOT NULL, answer_message_id TEXT, answer_type TEXT,
                answered_at BIGINT, late_answer_message_id TEXT, claimed_by TEXT, claimed_at BIGINT, deemed_message_id TEXT,
                deemed_at BIGINT, updated_at BIGINT NOT NULL)
            """,
            "CREATE INDEX deadlines_state_due ON deadlines (state, due_at)",
            "CREATE INDEX deadlines_case ON deadlines (case_id)",
            "CREATE INDEX deadlines_request ON deadlines (case_id, request_id, actor, rule)",
            """
            CREATE TABLE deadline_answers (
                case_id TEXT NOT NULL, request_id TEXT NOT NULL, answerer TEXT NOT NULL, rule TEXT NOT NULL, message_id TEXT NOT NULL,
                type TEXT NOT NULL, answered_at BIGINT NOT NULL, PRIMARY KEY (case_id, request_id, answerer, rule, message_id))
            """,
        ]
    }
}
