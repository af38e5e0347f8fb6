import CaseModel
import Foundation

/// Replays are recorded item by item: each dead letter's replay state is committed before
/// and after its publish, so a cancelled or crashed bulk replay resumes exactly where it stopped.
/// A dead letter held by a replay is `replaying` and cannot be edited or discarded meanwhile.
extension HubStore {
    /// What a replay would publish where, and what it would skip (`--dry-run`). Changes nothing.
    public func planReplay(_ request: ReplayRequest) async throws -> ReplayPlan {
        try await read { session in try await ReplayColumns.plan(request, in: session) }
    }

    /// Starts a replay held by `runner`: snapshots the selection as items in order (oldest
    /// first, so a case's messages keep their order) and reserves the dead letters. A
    /// selection by ids is refused as a whole if one of them cannot be replayed.
    public func startReplay(_ request: ReplayRequest, runner: String) async throws -> ReplayJob {
        if let rate = request.rate, !(rate > 0) { throw StoreError.invalidArgument("the rate is a positive number of messages per second") }
        let id = UUID().uuidString.lowercased()
        return try await write { session in
            let plan = try await ReplayColumns.plan(request, in: session)
            if case .ids = request.selection, let refused = plan.skipped.first {
                throw StoreError.conflict("dead letter \(refused.id) cannot be replayed: \(refused.reason)")
            }
            guard !plan.entries.isEmpty else { throw StoreError.conflict("nothing to replay: no replayable dead letter matches") }
            let now = Date()
            try await session.execute(
                """
                INSERT INTO replay_jobs (id, created_at, actor, role, reason, target, selection, rate, state, runner, heartbeat_at, skipped)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    .text(id), .init(now), .text(request.actor.name), .text(request.actor.role), .init(request.reason),
                    .text(request.target.description), .text(try ReplayColumns.json(request.selection)), .init(request.rate),
                    .text(ReplayJobState.running.rawValue), .text(runner), .init(now), .text(try ReplayColumns.json(plan.skipped)),
                ])
            for (position, entry) in plan.entries.enumerated() {
                try await session.execute(
                    """
                    INSERT INTO replay_items (job_id, dead_letter_id, position, exchange, routing_key, state, attempts, updated_at, recipient)
                    VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?)
                    """,
                    [
                        .text(id), .integer(entry.letter.id.rawValue), .init(position), .text(entry.route.exchange),
                        .text(entry.route.routingKey), .text(ReplayItemState.pending.rawValue), .init(now), .init(entry.route.recipient),
                    ])
                let reserved = try await session.query(
                    """
                    UPDATE dead_letters SET state_before_replay = state, state = ?, updated_at = ?
                    WHERE id = ? AND state IN (?, ?) RETURNING id
                    """,
                    [
                        .text(DeadLetterState.replaying.rawValue), .init(now), .integer(entry.letter.id.rawValue),
                        .text(DeadLetterState.new.rawValue), .text(DeadLetterState.edited.rawValue),
                    ])
                guard !reserved.isEmpty else { throw StoreError.conflict("dead letter \(entry.letter.id) changed while the replay started") }
            }
            let cases = Set(plan.entries.compactMap(\.letter.caseID))
            let details: JSONValue = [
                "items": .number(JSONNumber(plan.entries.count)), "skipped": .number(JSONNumber(plan.skipped.count)),
                "target": .string(request.target.description), "selection": .string(try ReplayColumns.json(request.selection)),
                "rate": request.rate.flatMap { JSONNumber($0) }.map(JSONValue.number) ?? .null,
            ]
            _ = try await AuditWriter.append(
                [AuditEntry(
                    actor: request.actor, action: "replay.started", subject: "replay:\(id)", caseID: cases.count == 1 ? cases.first : nil,
                    reason: request.reason, details: details)],
                at: now, in: session)
            return try await ReplayColumns.job(id, in: session)!
        }
    }

    /// Takes over a paused replay, or a running one whose runner went silent for `staleAfter`
    /// (crashed), so `runner` can go on with its remaining items.
    public func resumeReplay(_ jobID: String, runner: String, by actor: AuditActor, staleAfter: Duration = .seconds(60)) async throws -> ReplayJob {
        try await write { session in
            guard let job = try await ReplayColumns.job(jobID, in: session) else { throw StoreError.notFound("replay \(jobID) does not exist") }
            let now = Date()
            switch job.state {
            case .paused: break
            case .running:
                let silence = now.timeIntervalSince(job.heartbeatAt ?? .distantPast)
                guard silence >= Double(staleAfter.components.seconds) + Double(staleAfter.components.attoseconds) / 1e18 else {
                    throw StoreError.conflict("replay \(jobID) is running elsewhere (last sign of life \(Int(silence)) s ago)")
                }
            case .completed, .abandoned:
                throw StoreError.conflict("replay \(jobID) is \(job.state.rawValue)")
            }
            try await session.execute(
                "UPDATE replay_jobs SET state = ?, runner = ?, heartbeat_at = ? WHERE id = ?",
                [.text(ReplayJobState.running.rawValue), .text(runner), .init(now), .text(jobID)])
            _ = try await AuditWriter.append(
                [AuditEntry(
                    actor: actor, action: "replay.resumed", subject: "replay:\(jobID)",
                    details: ["remaining": .number(JSONNumber(job.remaining)), "previousState": .string(job.state.rawValue)])],
                at: now, in: session)
            return try await ReplayColumns.job(jobID, in: session)!
        }
    }

    /// The items still to publish (pending, or interrupted while publishing), in order.
    public func remainingReplayItems(_ jobID: String, limit: Int = 100) async throws -> [ReplayItem] {
        try await read { session in
            try await session.query(
                "SELECT * FROM replay_items WHERE job_id = ? AND state IN (?, ?) ORDER BY position LIMIT ?",
                [.text(jobID), .text(ReplayItemState.pending.rawValue), .text(ReplayItemState.publishing.rawValue), .integer(Int64(limit))]
            ).map(ReplayColumns.item)
        }
    }

    /// Marks an item as being published (committed before the publish) and returns what to publish.
    public func beginReplayPublish(_ jobID: String, _ id: DeadLetterID, runner: String) async throws -> ReplayPayload {
        try await write { session in
            try await ReplayColumns.requireRunner(jobID, runner, in: session)
            guard let item = try await ReplayColumns.item(jobID, id, in: session) else { throw StoreError.notFound("dead letter \(id) is not in replay \(jobID)") }
            guard item.state == .pending || item.state == .publishing else {
                throw StoreError.conflict("dead letter \(id) is \(item.state.rawValue) in replay \(jobID)")
            }
            let now = Date()
            try await session.execute(
                "UPDATE replay_items SET state = ?, attempts = attempts + 1, updated_at = ? WHERE job_id = ? AND dead_letter_id = ?",
                [.text(ReplayItemState.publishing.rawValue), .init(now), .text(jobID), .integer(id.rawValue)])
            try await session.execute("UPDATE replay_jobs SET heartbeat_at = ? WHERE id = ?", [.init(now), .text(jobID)])
            guard let letter = try await DeadLetterColumns.load(id, in: session) else { throw StoreError.notFound("dead letter \(id) does not exist") }
            return ReplayPayload(
                jobID: jobID, deadLetterID: id, messageID: letter.messageID, body: letter.effectiveBody, properties: letter.properties,
                route: item.route, attempt: item.attempts + 1, sender: letter.sender)
        }
    }

    /// Records how the publish of `payload` ended (committed after the confirm): the dead
    /// letter becomes `replayed`, or goes back to where it was if the publish failed. Audited
    /// per message, with the digests of the body published and of the properties it was made
    /// from (``DeadLetterCoverage``: `audit verify` compares them with the stored ones).
    public func finishReplayPublish(_ payload: ReplayPayload, runner: String, outcome: ReplayOutcome) async throws {
        let (jobID, id) = (payload.jobID, payload.deadLetterID)
        let published = (body: ContentDigest.sha256(payload.body), properties: ContentDigest.sha256(Array(try payload.properties.storedJSON().utf8)))
        try await write { session in
            let job = try await ReplayColumns.requireRunner(jobID, runner, in: session)
            guard let item = try await ReplayColumns.item(jobID, id, in: session), item.state == .publishing else {
                throw StoreError.conflict("dead letter \(id) is not being published in replay \(jobID)")
            }
            guard let letter = try await DeadLetterColumns.load(id, in: session) else { throw StoreError.notFound("dead letter \(id) does not exist") }
            let now = Date()
            var details: JSONValue = [
                "replayID": .string(jobID), "exchange": .string(item.route.exchange), "routingKey": .string(item.route.routingKey),
                "attempt": .number(JSONNumber(item.attempts)), "messageID": letter.messageID.map(JSONValue.string) ?? .null,
                "edited": .bool(letter.editedBody != nil), "bodySHA256": .string(published.body),
                "propertiesSHA256": .string(published.properties),
            ]
            switch outcome {
            case .published:
                try await session.execute(
                    "UPDATE replay_items SET state = ?, outcome = NULL, updated_at = ? WHERE job_id = ? AND dead_letter_id = ?",
                    [.text(ReplayItemState.published.rawValue), .init(now), .text(jobID), .integer(id.rawValue)])
                try await session.execute(
                    """
                    UPDATE dead_letters SET state = ?, replay_count = replay_count + 1, last_replay_id = ?, last_replayed_at = ?,
                        state_before_replay = NULL, updated_at = ?
                    WHERE id = ?
                    """,
                    [.text(DeadLetterState.replayed.rawValue), .text(jobID), .init(now), .init(now), .integer(id.rawValue)])
                _ = try await AuditWriter.append(
                    [AuditEntry(actor: job.actor, action: "dead-letter.replayed", subject: "dead-letter:\(id)", caseID: letter.caseID,
                                reason: job.reason, details: details)],
                    at: now, in: session)
            case .failed(let why):
                try await session.execute(
                    "UPDATE replay_items SET state = ?, outcome = ?, updated_at = ? WHERE job_id = ? AND dead_letter_id = ?",
                    [.text(ReplayItemState.failed.rawValue), .text(why), .init(now), .text(jobID), .integer(id.rawValue)])
                try await ReplayColumns.release(id, at: now, in: session)
                if case .object(var object) = details { object["error"] = .string(why); details = .object(object) }
                _ = try await AuditWriter.append(
                    [AuditEntry(actor: job.actor, action: "dead-letter.replay-failed", subject: "dead-letter:\(id)", caseID: letter.caseID,
                                reason: job.reason, details: details)],
                    at: now, in: session)
            }
            try await session.execute("UPDATE replay_jobs SET heartbeat_at = ? WHERE id = ?", [.init(now), .text(jobID)])
        }
    }

    /// Stops a replay its runner was cancelled in; it can be resumed.
    @discardableResult
    public func pauseReplay(_ jobID: String, runner: String) async throws -> ReplayJob {
        try await write { session in
            let job = try await ReplayColumns.requireRunner(jobID, runner, in: session)
            let now = Date()
            try await session.execute(
                "UPDATE replay_jobs SET state = ?, runner = NULL, heartbeat_at = ? WHERE id = ?",
                [.text(ReplayJobState.paused.rawValue), .init(now), .text(jobID)])
            _ = try await AuditWriter.append(
                [AuditEntry(actor: job.actor, action: "replay.paused", subject: "replay:\(jobID)",
                            details: ["remaining": .number(JSONNumber(job.remaining))])],
                at: now, in: session)
            return try await ReplayColumns.job(jobID, in: session)!
        }
    }

    /// Closes a replay whose items are all published or failed.
    @discardableResult
    public func completeReplay(_ jobID: String, runner: String) async throws -> ReplayJob {
        try await write { session in
            let job = try await ReplayColumns.requireRunner(jobID, runner, in: session)
            guard job.remaining == 0 else { throw StoreError.conflict("replay \(jobID) still has \(job.remaining) item(s) to publish") }
            let now = Date()
            try await session.execute(
                "UPDATE replay_jobs SET state = ?, runner = NULL, finished_at = ?, heartbeat_at = ? WHERE id = ?",
                [.text(ReplayJobState.completed.rawValue), .init(now), .init(now), .text(jobID)])
            _ = try await AuditWriter.append(
                [AuditEntry(actor: job.actor, action: "replay.completed", subject: "replay:\(jobID)",
                            details: ["published": .number(JSONNumber(job.counts[.published] ?? 0)),
                                      "failed": .number(JSONNumber(job.counts[.failed] ?? 0))])],
                at: now, in: session)
            return try await ReplayColumns.job(jobID, in: session)!
        }
    }

    /// Gives a paused (or crashed) replay up: its unpublished dead letters go back to where they were.
    @discardableResult
    public func abandonReplay(_ jobID: String, by actor: AuditActor, reason: String, staleAfter: Duration = .seconds(60)) async throws -> ReplayJob {
        try await write { session in
            guard let job = try await ReplayColumns.job(jobID, in: session) else { throw StoreError.notFound("replay \(jobID) does not exist") }
            let now = Date()
            switch job.state {
            case .paused: break
            case .running where now.timeIntervalSince(job.heartbeatAt ?? .distantPast) >= Double(staleAfter.components.seconds): break
            case .running: throw StoreError.conflict("replay \(jobID) is running; cancel it first")
            case .completed, .abandoned: throw StoreError.conflict("replay \(jobID) is \(job.state.rawValue)")
            }
            let open = try await session.query(
                "SELECT dead_letter_id FROM replay_items WHERE job_id = ? AND state IN (?, ?)",
                [.text(jobID), .text(ReplayItemState.pending.rawValue), .text(ReplayItemState.publishing.rawValue)])
            for row in open { try await ReplayColumns.release(DeadLetterID(try row.int("dead_letter_id")), at: now, in: session) }
            try await session.execute(
                "UPDATE replay_items SET state = ?, updated_at = ? WHERE job_id = ? AND state IN (?, ?)",
                [.text(ReplayItemState.abandoned.rawValue), .init(now), .text(jobID),
                 .text(ReplayItemState.pending.rawValue), .text(ReplayItemState.publishing.rawValue)])
            try await session.execute(
                "UPDATE replay_jobs SET state = ?, runner = NULL, finished_at = ? WHERE id = ?",
                [.text(ReplayJobState.abandoned.rawValue), .init(now), .text(jobID)])
            _ = try await AuditWriter.append(
                [AuditEntry(actor: actor, action: "replay.abandoned", subject: "replay:\(jobID)", reason: reason,
                            details: ["released": .number(JSONNumber(open.count))])],
                at: now, in: session)
            return try await ReplayColumns.job(jobID, in: session)!
        }
    }

    public func replayJob(_ id: String) async throws -> ReplayJob? {
        try await read { session in try await ReplayColumns.job(id, in: session) }
    }

    /// The latest replays, newest first.
    public func replayJobs(limit: Int = 20) async throws -> [ReplayJob] {
        try await read { session in
            var jobs: [ReplayJob] = []
            for row in try await session.query("SELECT id FROM replay_jobs ORDER BY created_at DESC LIMIT ?", [.integer(Int64(limit))]) {
                if let job = try await ReplayColumns.job(try row.string("id"), in: session) { jobs.append(job) }
            }
            return jobs
        }
    }
}

enum ReplayColumns {
    static func plan(_ request: ReplayRequest, in session: any SQLSession) async throws -> ReplayPlan {
        let columns = "\(DeadLetterColumns.summary), original_exchange, original_routing_key, revalidation, origin, sender"
        var rows: [SQLRow]
        switch request.selection {
        case .ids(let ids):
            guard !ids.isEmpty else { throw StoreError.invalidArgument("no dead letters named") }
            rows = try await session.query(
                "SELECT \(columns) FROM dead_letters WHERE id IN (\(SQL.placeholders(ids.count)))", ids.map { .integer($0.rawValue) })
            let found = Set(try rows.map { try $0.int("id") })
            if let missing = ids.first(where: { !found.contains($0.rawValue) }) { throw StoreError.notFound("dead letter \(missing) does not exist") }
            // In the order given.
            let order = Dictionary(ids.enumerated().map { ($0.element.rawValue, $0.offset) }, uniquingKeysWith: { first, _ in first })
            rows.sort { (order[(try? $0.int("id")) ?? 0] ?? 0) < (order[(try? $1.int("id")) ?? 0] ?? 0) }
        case .filter(let filter):
            var filter = filter
            filter.states = [.new, .edited]
            let condition = filter.whereClause()
            rows = try await session.query(SQL(
                "SELECT \(columns) FROM dead_letters \(condition.text) ORDER BY received_at, id", condition.binds))
        }
        var entries: [ReplayPlan.Entry] = []
        var skipped: [ReplaySkip] = []
        for row in rows {
            let letter = try DeadLetterColumns.summary(row)
            guard row.optionalString("origin") != DeadLetterOrigin.unknown.rawValue, row.optionalString("sender") != nil else {
                skipped.append(ReplaySkip(
                    id: letter.id,
                    reason: "the hub did not write it, or cannot tell who sent it: it cannot be replayed as anybody (origin \(row.optionalString("origin") ?? "unknown"))"))
                continue
            }
            switch letter.state {
            case .new: break
            case .edited:
                guard try DeadLetterColumns.revalidation(row.optionalString("revalidation"))?.status == .valid else {
                    skipped.append(ReplaySkip(id: letter.id, reason: "its edit failed revalidation"))
                    continue
                }
            case .replaying, .replayed, .discarded:
                skipped.append(ReplaySkip(id: letter.id, reason: "it is \(letter.state.rawValue)"))
                continue
            }
            switch request.target.route(
                originalExchange: row.optionalString("original_exchange"), originalRoutingKey: row.optionalString("original_routing_key"),
                eventType: letter.eventType, topology: request.topology)
            {
            case .success(let route): entries.append(ReplayPlan.Entry(letter: letter, route: route))
            case .failure(let refusal): skipped.append(ReplaySkip(id: letter.id, reason: refusal.description))
            }
        }
        return ReplayPlan(entries: entries, skipped: skipped)
    }

    /// Puts a dead letter a replay held back into the state it had before.
    static func release(_ id: DeadLetterID, at date: Date, in session: any SQLSession) async throws {
        try await session.execute(
            """
            UPDATE dead_letters SET state = COALESCE(state_before_replay, ?), state_before_replay = NULL, updated_at = ?
            WHERE id = ? AND state = ?
            """,
            [.text(DeadLetterState.new.rawValue), .init(date), .integer(id.rawValue), .text(DeadLetterState.replaying.rawValue)])
    }

    @discardableResult
    static func requireRunner(_ jobID: String, _ runner: String, in session: any SQLSession) async throws -> ReplayJob {
        guard let job = try await job(jobID, in: session) else { throw StoreError.notFound("replay \(jobID) does not exist") }
        guard job.state == .running, job.runner == runner else {
            throw StoreError.conflict("replay \(jobID) is not held by this runner (it is \(job.state.rawValue))")
        }
        return job
    }

    static func job(_ id: String, in session: any SQLSession) async throws -> ReplayJob? {
        guard let row = try await session.query("SELECT * FROM replay_jobs WHERE id = ?", [.text(id)]).first else { return nil }
        var counts: [ReplayItemState: Int] = [:]
        for count in try await session.query("SELECT state, COUNT(*) AS n FROM replay_items WHERE job_id = ? GROUP BY state", [.text(id)]) {
            if let state = ReplayItemState(rawValue: try count.string("state")) { counts[state] = Int(try count.int("n")) }
        }
        guard let state = ReplayJobState(rawValue: try row.string("state")) else { throw StoreError.corrupted("unknown replay state") }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .millisecondsSince1970
        do {
            return ReplayJob(
                id: id, createdAt: try row.date("created_at"), actor: AuditActor(name: try row.string("actor"), role: try row.string("role")),
                reason: row.optionalString("reason"), target: try ReplayTarget(parsing: try row.string("target")),
                selection: try decoder.decode(ReplaySelection.self, from: Data(try row.string("selection").utf8)),
                rate: row.double("rate"), state: state, runner: row.optionalString("runner"), heartbeatAt: row.optionalDate("heartbeat_at"),
                finishedAt: row.optionalDate("finished_at"),
                skipped: try decoder.decode([ReplaySkip].self, from: Data(try row.string("skipped").utf8)), counts: counts)
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError.corrupted("replay \(id) cannot be read back")
        }
    }

    static func item(_ jobID: String, _ id: DeadLetterID, in session: any SQLSession) async throws -> ReplayItem? {
        try await session.query(
            "SELECT * FROM replay_items WHERE job_id = ? AND dead_letter_id = ?", [.text(jobID), .integer(id.rawValue)]
        ).first.map(item)
    }

    static func item(_ row: SQLRow) throws -> ReplayItem {
        guard let state = ReplayItemState(rawValue: try row.string("state")) else { throw StoreError.corrupted("unknown replay item state") }
        return ReplayItem(
            jobID: try row.string("job_id"), deadLetterID: DeadLetterID(try row.int("dead_letter_id")), position: Int(try row.int("position")),
            route: ReplayRoute(exchange: try row.string("exchange"), routingKey: try row.string("routing_key"), recipient: row.optionalString("recipient")),
            state: state,
            attempts: Int(try row.int("attempts")), updatedAt: try row.date("updated_at"), outcome: row.optionalString("outcome"))
    }

    static func json(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .millisecondsSince1970
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
