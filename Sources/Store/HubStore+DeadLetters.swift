import CaseModel
import Foundation

extension HubStore {
    /// Stores a dead letter unless the same one (same fingerprint) is stored already, e.g. when
    /// the broker redelivers it because the ack after the previous commit was lost.
    /// Returns its id and whether it was new. A new one is audited in the same transaction as
    /// `dead-letter.stored` by `actor`, with the digests of its body and stored properties
    /// (``DeadLetterCoverage``).
    public func storeDeadLetter(_ letter: NewDeadLetter, by actor: AuditActor = .deadLetterConsumer) async throws -> (id: DeadLetterID, isNew: Bool) {
        let properties = try letter.properties.storedJSON()
        return try await write { session in
            let failure = letter.failure
            let inserted = try await session.query(
                """
                INSERT INTO dead_letters (fingerprint, message_id, event_type, source_agency, case_id, error_code, error_detail,
                    stage, pointer, reason, attempts, first_failure, last_failure, original_exchange, original_routing_key,
                    router_version, broker_dead_lettered, exchange, routing_key, received_at, body, properties, state,
                    revision, replay_count, updated_at, origin, sender)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, ?, ?, ?)
                ON CONFLICT (fingerprint) DO NOTHING
                RETURNING id
                """,
                [
                    .text(letter.fingerprint), .init(letter.messageID), .init(letter.eventType), .init(letter.sourceAgency),
                    .init(letter.caseID), .text(failure.errorCode), .init(failure.errorDetail), .init(failure.stage),
                    .init(failure.pointer), .init(failure.reason), .init(failure.attempts), .init(failure.firstFailure),
                    .init(failure.lastFailure), .init(failure.originalExchange), .init(failure.originalRoutingKey),
                    .init(failure.routerVersion), .init(failure.deadLetteredByBroker), .text(letter.exchange), .text(letter.routingKey),
                    .init(letter.receivedAt), .blob(letter.body), .text(properties), .text(DeadLetterState.new.rawValue),
                    .init(letter.receivedAt), .text(letter.origin.rawValue), .init(letter.sender),
                ])
            if let row = inserted.first {
                let id = DeadLetterID(try row.int("id"))
                _ = try await AuditWriter.append(
                    [AuditEntry(
                        // No case id: the trace shows the stored dead letter from its row already.
                        actor: actor, action: DeadLetterCoverage.stored, subject: "dead-letter:\(id)",
                        details: DeadLetterCoverage.storedDetails(
                            body: letter.body, properties: properties, messageID: letter.messageID, errorCode: failure.errorCode))],
                    in: session)
                return (id, true)
            }
            guard let existing = try await session.query("SELECT id FROM dead_letters WHERE fingerprint = ?", [.text(letter.fingerprint)]).first else {
                throw StoreError.corrupted("a dead letter conflicted on its fingerprint but cannot be found")
            }
            return (DeadLetterID(try existing.int("id")), false)
        }
    }

    /// One page of dead letters matching `filter`, newest first.
    public func deadLetters(matching filter: DeadLetterFilter = DeadLetterFilter(), offset: Int = 0, limit: Int = 50) async throws -> DeadLetterPage {
        guard offset >= 0, (1...1000).contains(limit) else { throw StoreError.invalidArgument("offset ≥ 0 and limit 1…1000") }
        let condition = filter.whereClause()
        return try await read { session in
            let total = try await session.query(SQL("SELECT COUNT(*) AS n FROM dead_letters \(condition.text)", condition.binds))
                .first.map { try $0.int("n") } ?? 0
            let rows = try await session.query(SQL(
                "SELECT \(DeadLetterColumns.summary) FROM dead_letters \(condition.text) ORDER BY received_at DESC, id DESC LIMIT ? OFFSET ?",
                condition.binds + [.integer(Int64(limit)), .integer(Int64(offset))]))
            return DeadLetterPage(items: try rows.map(DeadLetterColumns.summary), total: Int(total), offset: offset, limit: limit)
        }
    }

    /// One dead letter with its edits and replays, or nil.
    public func deadLetter(_ id: DeadLetterID) async throws -> DeadLetter? {
        try await read { session in try await DeadLetterColumns.load(id, in: session) }
    }

    /// Counts per state, for metrics and the dashboard.
    public func deadLetterCounts() async throws -> [DeadLetterState: Int] {
        try await read { session in
            var counts: [DeadLetterState: Int] = [:]
            for row in try await session.query("SELECT state, COUNT(*) AS n FROM dead_letters GROUP BY state") {
                if let state = DeadLetterState(rawValue: try row.string("state")) { counts[state] = Int(try row.int("n")) }
            }
            return counts
        }
    }

    /// Records an edit: the new body, the patch and diff, and the revalidation outcome. Only a
    /// new or edited dead letter can be edited, and only against its current revision.
    public func edit(_ id: DeadLetterID, _ change: DeadLetterChange, by actor: AuditActor, reason: String? = nil) async throws -> DeadLetter {
        try await write { session in
            guard let letter = try await DeadLetterColumns.load(id, in: session) else { throw StoreError.notFound("dead letter \(id) does not exist") }
            guard letter.state == .new || letter.state == .edited else {
                throw StoreError.conflict("dead letter \(id) is \(letter.state.rawValue); only new or edited ones can be edited")
            }
            guard letter.revision == change.baseRevision else {
                throw StoreError.conflict("dead letter \(id) was edited meanwhile (revision \(letter.revision), the edit was made on \(change.baseRevision))")
            }
            let now = Date()
            let revision = letter.revision + 1
            let revalidation = String(decoding: try JSONEncoder().encode(change.revalidation), as: UTF8.self)
            try await session.execute(
                """
                INSERT INTO dead_letter_edits (dead_letter_id, revision, edited_at, actor, role, reason, patch, diff, body, revalidation)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    .integer(id.rawValue), .init(revision), .init(now), .text(actor.name), .text(actor.role), .init(reason),
                    .text(change.patch), .text(change.diff), .blob(change.body), .text(revalidation),
                ])
            try await session.execute(
                "UPDATE dead_letters SET edited_body = ?, revalidation = ?, revision = ?, state = ?, updated_at = ? WHERE id = ?",
                [.blob(change.body), .text(revalidation), .init(revision), .text(DeadLetterState.edited.rawValue), .init(now), .integer(id.rawValue)])
            let details: JSONValue = [
                "revision": .number(JSONNumber(revision)),
                "paths": .array(change.paths.map(JSONValue.string)),
                "revalidation": .string(change.revalidation.status.rawValue),
                "validator": .string(change.revalidation.validator),
                "bodySHA256Before": .string(Self.sha256(letter.effectiveBody)),
                "bodySHA256After": .string(Self.sha256(change.body)),
            ]
            _ = try await AuditWriter.append(
                [AuditEntry(actor: actor, action: "dead-letter.edited", subject: "dead-letter:\(id)", caseID: letter.caseID, reason: reason, details: details)],
                at: now, in: session)
            guard let updated = try await DeadLetterColumns.load(id, in: session) else { throw StoreError.notFound("dead letter \(id) vanished") }
            return updated
        }
    }

    /// Discards a new or edited dead letter for good; the reason is mandatory and audited.
    public func discard(_ id: DeadLetterID, reason: String, by actor: AuditActor) async throws -> DeadLetter {
        let reason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty else { throw StoreError.invalidArgument("discarding needs a reason") }
        return try await write { session in
            guard let letter = try await DeadLetterColumns.load(id, in: session) else { throw StoreError.notFound("dead letter \(id) does not exist") }
            guard letter.state == .new || letter.state == .edited else {
                throw StoreError.conflict("dead letter \(id) is \(letter.state.rawValue); only new or edited ones can be discarded")
            }
            let now = Date()
            try await session.execute(
                "UPDATE dead_letters SET state = ?, discard_reason = ?, updated_at = ? WHERE id = ?",
                [.text(DeadLetterState.discarded.rawValue), .text(reason), .init(now), .integer(id.rawValue)])
            _ = try await AuditWriter.append(
                [AuditEntry(
                    actor: actor, action: "dead-letter.discarded", subject: "dead-letter:\(id)", caseID: letter.caseID, reason: reason,
                    details: ["errorCode": .string(letter.failure.errorCode), "messageID": letter.messageID.map(JSONValue.string) ?? .null])],
                at: now, in: session)
            guard let updated = try await DeadLetterColumns.load(id, in: session) else { throw StoreError.notFound("dead letter \(id) vanished") }
            return updated
        }
    }

    static func sha256(_ bytes: [UInt8]) -> String { ContentDigest.sha256(bytes) }
}

/// Reading dead letters back from rows.
enum DeadLetterColumns {
    static let summary = """
        id, message_id, event_type, source_agency, case_id, error_code, stage, reason, attempts, last_failure, received_at, \
        state, replay_count
        """

    static func summary(_ row: SQLRow) throws -> DeadLetterSummary {
        DeadLetterSummary(
            id: DeadLetterID(try row.int("id")), messageID: row.optionalString("message_id"), eventType: row.optionalString("event_type"),
            sourceAgency: row.optionalString("source_agency"), caseID: row.optionalString("case_id"), errorCode: try row.string("error_code"),
            stage: row.optionalString("stage"), reason: row.optionalString("reason"), attempts: row.optionalInt("attempts").map { Int($0) },
            lastFailure: row.optionalDate("last_failure"), receivedAt: try row.date("received_at"), state: try state(row),
            replayCount: Int(try row.int("replay_count")))
    }

    static func state(_ row: SQLRow, column: String = "state") throws -> DeadLetterState {
        guard let state = DeadLetterState(rawValue: try row.string(column)) else { throw StoreError.corrupted("unknown dead-letter state") }
        return state
    }

    static func revalidation(_ text: String?) throws -> Revalidation? {
        guard let text else { return nil }
        do {
            return try JSONDecoder().decode(Revalidation.self, from: Data(text.utf8))
        } catch {
            throw StoreError.corrupted("a stored revalidation cannot be decoded")
        }
    }

    static func load(_ id: DeadLetterID, in session: any SQLSession) async throws -> DeadLetter? {
        guard let row = try await session.query("SELECT * FROM dead_letters WHERE id = ?", [.integer(id.rawValue)]).first else { return nil }
        let edits = try await session.query(
            "SELECT * FROM dead_letter_edits WHERE dead_letter_id = ? ORDER BY revision", [.integer(id.rawValue)]
        ).map { edit in
            DeadLetterEdit(
                revision: Int(try edit.int("revision")), editedAt: try edit.date("edited_at"),
                actor: AuditActor(name: try edit.string("actor"), role: try edit.string("role")), reason: edit.optionalString("reason"),
                patch: try edit.string("patch"), diff: try edit.string("diff"), body: try edit.bytes("body"),
                revalidation: try revalidation(try edit.string("revalidation"))!)
        }
        let replays = try await session.query(
            "SELECT * FROM replay_items WHERE dead_letter_id = ? ORDER BY updated_at, job_id", [.integer(id.rawValue)]
        ).map(ReplayColumns.item)
        let failure = FailureContext(
            errorCode: try row.string("error_code"), errorDetail: row.optionalString("error_detail"), stage: row.optionalString("stage"),
            pointer: row.optionalString("pointer"), reason: row.optionalString("reason"), attempts: row.optionalInt("attempts").map { Int($0) },
            firstFailure: row.optionalDate("first_failure"), lastFailure: row.optionalDate("last_failure"),
            originalExchange: row.optionalString("original_exchange"), originalRoutingKey: row.optionalString("original_routing_key"),
            routerVersion: row.optionalString("router_version"), deadLetteredByBroker: try row.int("broker_dead_lettered") != 0)
        return DeadLetter(
            id: id, messageID: row.optionalString("message_id"), eventType: row.optionalString("event_type"),
            sourceAgency: row.optionalString("source_agency"), caseID: row.optionalString("case_id"), failure: failure,
            origin: DeadLetterOrigin(rawValue: try row.string("origin")) ?? .unknown, sender: row.optionalString("sender"),
            exchange: try row.string("exchange"), routingKey: try row.string("routing_key"), receivedAt: try row.date("received_at"),
            body: try row.bytes("body"), properties: try MessageProperties.fromStoredJSON(try row.string("properties")),
            editedBody: row.optionalBytes("edited_body"), state: try state(row), revalidation: try revalidation(row.optionalString("revalidation")),
            revision: Int(try row.int("revision")), replayCount: Int(try row.int("replay_count")),
            lastReplayID: row.optionalString("last_replay_id"), lastReplayedAt: row.optionalDate("last_replayed_at"),
            discardReason: row.optionalString("discard_reason"), updatedAt: try row.date("updated_at"), edits: edits, replays: replays)
    }
}
