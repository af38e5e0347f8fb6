import CaseModel
import Foundation

extension HubStore {
    /// Appends one entry to the audit log and returns the record with its place in the chain.
    @discardableResult
    public func appendAudit(_ entry: AuditEntry) async throws -> AuditRecord {
        try await write { session in try await AuditWriter.append([entry], in: session)[0] }
    }

    /// Records after `sequence`, oldest first.
    public func auditRecords(after sequence: Int64 = 0, limit: Int = 100) async throws -> [AuditRecord] {
        guard (1...10_000).contains(limit) else { throw StoreError.invalidArgument("limit is 1…10000") }
        return try await read { session in
            try await session.query(
                "SELECT * FROM audit_log WHERE sequence > ? ORDER BY sequence LIMIT ?", [.integer(sequence), .integer(Int64(limit))]
            ).map(AuditWriter.record)
        }
    }

    /// Checks the whole chain: every record's hash, the links between records, the head, the
    /// anchor if given, the latest signed checkpoint if given (``AuditCheckpointFiles``), the
    /// routing-log rows each `route.recorded` record covers, and the dead letters and edits
    /// against the digests their records name (``DeadLetterCoverage``). Names each changed,
    /// removed or reordered record. Reads the whole log (and the covered part of the routing
    /// log) into memory, and every dead letter's body once, to hash it.
    public func verifyAudit(anchor: AuditAnchor? = nil, checkpoint: AuditCheckpointEvidence? = nil) async throws -> AuditVerification {
        let (records, head, routing, letters, edits) = try await read { session in
            let records = try await session.query("SELECT * FROM audit_log ORDER BY sequence").map(AuditWriter.record)
            let head = try await session.query("SELECT sequence, hash FROM audit_head WHERE id = 1").first.map {
                (sequence: try $0.int("sequence"), hash: try $0.string("hash"))
            }
            let routing = RoutingDigest.batches(try await session.query(
                "SELECT \(RoutingDigest.columns.joined(separator: ", ")) FROM routing_log WHERE audit_sequence IS NOT NULL").lazy.map(\.values))
            let (letters, edits) = try await AuditWriter.deadLetterDigests(in: session)
            return (records, head, routing, letters, edits)
        }
        var verification = AuditChain.verify(records, head: head, anchor: anchor, routing: routing)
        let coverage = DeadLetterCoverage.verify(records, rows: letters, edits: edits)
        verification.problems += coverage.problems
        verification.deadLetters = coverage.deadLetters
        verification.replayedBodies = coverage.replayedBodies
        verification.uncoveredDeadLetters = coverage.uncovered
        if let checkpoint {
            let problems = AuditChain.verify(records, against: checkpoint)
            verification.problems += problems
            if problems.isEmpty { verification.checkpoint = checkpoint.latest }
        }
        return verification
    }
}

/// Appends to the chain inside a store transaction, so an action and its audit record are
/// committed together.
enum AuditWriter {
    static func append(_ entries: [AuditEntry], at date: Date = Date(), in session: any SQLSession) async throws -> [AuditRecord] {
        guard !entries.isEmpty else { return [] }
        var (sequence, previousHash) = try await head(in: session)
        let recordedAt = date.milliseconds
        var records: [AuditRecord] = []
        var rows: [[SQLValue]] = []
        for entry in entries {
            sequence += 1
            let details = entry.details.serializedString()
            let hash = AuditChain.hash(
                sequence: sequence, recordedAt: recordedAt, actor: entry.actor.name, role: entry.actor.role, action: entry.action,
                subject: entry.subject, caseID: entry.caseID, reason: entry.reason, details: details, previousHash: previousHash)
            rows.append([
                .integer(sequence), .integer(recordedAt), .text(entry.actor.name), .text(entry.actor.role), .text(entry.action),
                .text(entry.subject), .init(entry.caseID), .init(entry.reason), .text(details), .text(previousHash), .text(hash),
            ])
            records.append(AuditRecord(
                sequence: sequence, recordedAt: Date(milliseconds: recordedAt), actor: entry.actor.name, role: entry.actor.role,
                action: entry.action, subject: entry.subject, caseID: entry.caseID, reason: entry.reason, details: details,
                previousHash: previousHash, hash: hash))
            previousHash = hash
        }
        try await session.insert(
            into: "audit_log",
            columns: ["sequence", "recorded_at", "actor", "role", "action", "subject", "case_id", "reason", "details", "previous_hash", "hash"],
            rows: rows)
        try await session.execute("UPDATE audit_head SET sequence = ?, hash = ? WHERE id = 1", [.integer(sequence), .text(previousHash)])
        return records
    }

    /// The chain's last sequence and hash, locked for this transaction: locking the head row
    /// serialises appends across PostgreSQL instances; SQLite's immediate transaction already
    /// holds the database's write lock.
    static func head(in session: any SQLSession) async throws -> (sequence: Int64, hash: String) {
        let lock = session.dialect == .postgres ? " FOR UPDATE" : ""
        guard let head = try await session.query(SQL("SELECT sequence, hash FROM audit_head WHERE id = 1\(lock)", reused: true)).first else {
            throw StoreError.corrupted("the audit head is missing")
        }
        return (try head.int("sequence"), try head.string("hash"))
    }

    /// Every dead letter's and edit's stored content as SHA-256 digests, read a page at a time
    /// (bodies are read once and not kept).
    static func deadLetterDigests(in session: any SQLSession) async throws -> ([DeadLetterCoverage.Row], [DeadLetterCoverage.EditRow]) {
        var letters: [DeadLetterCoverage.Row] = []
        var after = Int64.min
        while true {
            let page = try await session.query(
                "SELECT id, body, properties, edited_body FROM dead_letters WHERE id > ? ORDER BY id LIMIT 200", [.integer(after)])
            for row in page {
                let id = try row.int("id")
                letters.append(DeadLetterCoverage.Row(
                    id: id, body: ContentDigest.sha256(try row.bytes("body")),
                    properties: ContentDigest.sha256(Array(try row.string("properties").utf8)),
                    editedBody: row.optionalBytes("edited_body").map(ContentDigest.sha256)))
                after = id
            }
            if page.count < 200 { break }
        }
        var edits: [DeadLetterCoverage.EditRow] = []
        var position = (id: Int64.min, revision: Int64.min)
        while true {
            let page = try await session.query(
                """
                SELECT dead_letter_id, revision, body FROM dead_letter_edits
                WHERE dead_letter_id > ? OR (dead_letter_id = ? AND revision > ?) ORDER BY dead_letter_id, revision LIMIT 200
                """,
                [.integer(position.id), .integer(position.id), .integer(position.revision)])
            for row in page {
                let edit = DeadLetterCoverage.EditRow(
                    id: try row.int("dead_letter_id"), revision: try row.int("revision"), body: ContentDigest.sha256(try row.bytes("body")))
                edits.append(edit)
                position = (edit.id, edit.revision)
            }
            if page.count < 200 { break }
        }
        return (letters, edits)
    }

    static func record(_ row: SQLRow) throws -> AuditRecord {
        AuditRecord(
            sequence: try row.int("sequence"), recordedAt: try row.date("recorded_at"), actor: try row.string("actor"),
            role: try row.string("role"), action: try row.string("action"), subject: try row.string("subject"),
            caseID: row.optionalString("case_id"), reason: row.optionalString("reason"), details: try row.string("details"),
            previousHash: try row.string("previous_hash"), hash: try row.string("hash"))
    }
}
