import CaseModel
import Foundation

/// The statutory periods the hub keeps (``Deadline``): recorded from the router's notices,
/// claimed when they end, marked once their deemed outcome is published.
extension HubStore {
    /// What recording a notice changed.
    public struct DeadlineRecording: Sendable, Hashable {
        public var opened = 0
        public var answered = 0
        public var late = 0
        public var withdrawn = 0
        /// Deemed outcomes the router delivered that were not marked yet (their service died
        /// between publishing and marking).
        public var deemed = 0
    }

    /// Records `events`: each opening once (a notice delivered twice opens nothing new), each
    /// answer once, each delivered deemed outcome as the deadline's end (if not marked already). An answer the hub received by the end of the period closes the deadline it
    /// answers (same case, request id, rule, and the actor as sender), whichever of the two is
    /// recorded first; a later answer is noted on the deadline and changes nothing (the legal
    /// effect of silence occurred when the period ended).
    @discardableResult
    public func recordDeadlines(_ events: [DeadlineEvent], now: Date) async throws -> DeadlineRecording {
        guard !events.isEmpty else { return DeadlineRecording() }
        return try await write { session in
            var recording = DeadlineRecording()
            var matches: [(caseID: String, requestID: String, actor: String, rule: String)] = []
            for event in events {
                switch event {
                case .opened(let opening):
                    let inserted = try await session.query(
                        """
                        INSERT INTO deadlines (id, rule, case_id, request_message_id, request_id, requester, actor, received_at, due_at,
                            due_date, claimed_due, identifiers, state, updated_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?) ON CONFLICT (id) DO NOTHING RETURNING id
                        """,
                        [
                            .text(opening.id), .text(opening.rule), .text(opening.caseID), .text(opening.requestMessageID), .init(opening.requestID),
                            .text(opening.requester), .text(opening.actor), .init(opening.received), .init(opening.due),
                            .text(opening.dueDate.description), .init(opening.claimedDueDisagrees ? opening.claimedDue : nil),
                            .text(JSONValue.object(opening.identifiers).serializedString()), .init(now),
                        ])
                    guard !inserted.isEmpty else { continue }
                    recording.opened += 1
                    if let requestID = opening.requestID { matches.append((opening.caseID, requestID, opening.actor, opening.rule)) }
                case .answered(let answer):
                    guard let requestID = answer.requestID else { continue }
                    for rule in answer.rules {
                        try await session.execute(
                            """
                            INSERT INTO deadline_answers (case_id, request_id, answerer, rule, message_id, type, answered_at)
                            VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
                            """,
                            [.text(answer.caseID), .text(requestID), .text(answer.sender), .text(rule), .text(answer.messageID), .text(answer.type), .init(answer.received)])
                        matches.append((answer.caseID, requestID, answer.sender, rule))
                    }
                case .withdrawn(let withdrawal):
                    // Only the agency that made the request withdraws it, and only while it runs. (A
                    // withdrawal follows its request on the same shard, so its notice comes later.)
                    guard let requestID = withdrawal.requestID, !withdrawal.rules.isEmpty else { continue }
                    let ended = try await session.query(
                        """
                        UPDATE deadlines SET state = 'withdrawn', answer_message_id = ?, answer_type = ?, answered_at = ?, updated_at = ?
                        WHERE case_id = ? AND request_id = ? AND requester = ? AND rule IN (\(SQL.placeholders(withdrawal.rules.count)))
                            AND state = 'open' AND due_at >= ?
                        RETURNING id
                        """,
                        [.text(withdrawal.messageID), .text(withdrawal.type), .init(withdrawal.received), .init(now), .text(withdrawal.caseID),
                         .text(requestID), .text(withdrawal.sender)] + withdrawal.rules.map(SQLValue.text) + [.init(withdrawal.received)])
                    recording.withdrawn += ended.count
                case .deemed(let deemed):
                    let marked = try await session.query(
                        """
                        UPDATE deadlines SET state = 'deemed', deemed_message_id = ?, deemed_at = ?, updated_at = ?
                        WHERE id = ? AND state IN ('open', 'deeming') RETURNING *
                        """,
                        [.text(deemed.messageID), .init(deemed.delivered), .init(now), .text(deemed.deadlineID)])
                    for row in marked {
                        try await Self.auditDeemed(try Deadline(row: row), messageID: deemed.messageID, in: session)
                        recording.deemed += 1
                    }
                }
            }
            for match in matches {
                let binds: [SQLValue] = [.text(match.caseID), .text(match.requestID), .text(match.actor), .text(match.rule)]
                // The first answer received within the period closes it.
                let closed = try await session.query(
                    """
                    UPDATE deadlines SET state = 'answered', answer_message_id = a.message_id, answer_type = a.type, answered_at = a.answered_at,
                        updated_at = ?
                    FROM (SELECT message_id, type, answered_at FROM deadline_answers
                          WHERE case_id = ? AND request_id = ? AND answerer = ? AND rule = ? ORDER BY answered_at, message_id LIMIT 1) AS a
                    WHERE deadlines.case_id = ? AND deadlines.request_id = ? AND deadlines.actor = ? AND deadlines.rule = ?
                        AND deadlines.state IN ('open', 'deeming') AND a.answered_at <= deadlines.due_at
                    RETURNING id
                    """,
                    [.init(now)] + binds + binds)
                recording.answered += closed.count
                let late = try await session.query(
                    """
                    UPDATE deadlines SET late_answer_message_id = a.message_id, updated_at = ?
                    FROM (SELECT message_id, answered_at FROM deadline_answers
                          WHERE case_id = ? AND request_id = ? AND answerer = ? AND rule = ? ORDER BY answered_at, message_id LIMIT 1) AS a
                    WHERE deadlines.case_id = ? AND deadlines.request_id = ? AND deadlines.actor = ? AND deadlines.rule = ?
                        AND deadlines.late_answer_message_id IS NULL AND deadlines.state NOT IN ('answered', 'withdrawn') AND a.answered_at > deadlines.due_at
                    RETURNING id
                    """,
                    [.init(now)] + binds + binds)
                recording.late += late.count
            }
            return recording
        }
    }

    /// Claims up to `limit` deadlines whose period ended by `endedBy` for `claimant`: open ones,
    /// and ones another claimant took before `staleBefore` and never marked (it died). Atomic:
    /// two services claiming at once never both get the same deadline (the state is checked again
    /// on the locked row).
    public func claimEndedDeadlines(endedBy: Date, staleBefore: Date, claimant: String, now: Date, limit: Int = 100) async throws -> [Deadline] {
        try await write { session in
            let due = "((state = 'open' AND due_at <= ?) OR (state = 'deeming' AND claimed_at < ?))"
            let rows = try await session.query(
                """
                UPDATE deadlines SET state = 'deeming', claimed_by = ?, claimed_at = ?, updated_at = ?
                WHERE id IN (SELECT id FROM deadlines WHERE \(due) ORDER BY due_at, id LIMIT ?) AND \(due)
                RETURNING *
                """,
                [.text(claimant), .init(now), .init(now), .init(endedBy), .init(staleBefore), .integer(Int64(max(1, limit))), .init(endedBy), .init(staleBefore)])
            return try rows.map(Deadline.init(row:)).sorted { ($0.due, $0.id) < ($1.due, $1.id) }
        }
    }

    /// Marks a claimed deadline deemed, with the message that published its outcome, and audits
    /// it (`deadline.deemed`). False when the claim was lost (another claimant took it over).
    @discardableResult
    public func markDeemed(_ deadline: Deadline, claimant: String, messageID: String, at now: Date) async throws -> Bool {
        try await write { session in
            let marked = try await session.query(
                """
                UPDATE deadlines SET state = 'deemed', deemed_message_id = ?, deemed_at = ?, updated_at = ?
                WHERE id = ? AND claimed_by = ? AND state = 'deeming' RETURNING id
                """,
                [.text(messageID), .init(now), .init(now), .text(deadline.id), .text(claimant)])
            guard !marked.isEmpty else { return false }
            try await Self.auditDeemed(deadline, messageID: messageID, in: session)
            return true
        }
    }

    /// The audit record of a deemed outcome, written with the change that marks it (once).
    private static func auditDeemed(_ deadline: Deadline, messageID: String, in session: any SQLSession) async throws {
        let details: JSONValue = [
            "rule": .string(deadline.rule), "requester": .string(deadline.requester), "actor": .string(deadline.actor),
            "requestMessageId": .string(deadline.requestMessageID), "dueDate": .string(deadline.dueDate), "deemedMessageId": .string(messageID),
        ]
        _ = try await AuditWriter.append(
            [AuditEntry(actor: .router, action: "deadline.deemed", subject: "deadline:\(deadline.id)", caseID: deadline.caseID, details: details)],
            in: session)
    }

    /// Gives a claim back (publishing failed), so the next round tries again at once.
    public func releaseClaim(_ deadline: Deadline, claimant: String, now: Date) async throws {
        try await write { session in
            try await session.execute(
                "UPDATE deadlines SET state = 'open', claimed_by = NULL, claimed_at = NULL, updated_at = ? WHERE id = ? AND claimed_by = ? AND state = 'deeming'",
                [.init(now), .text(deadline.id), .text(claimant)])
        }
    }

    /// Deadlines by `filter`, the earliest end first.
    public func deadlines(_ filter: DeadlineFilter) async throws -> [Deadline] {
        try await read { session in
            var conditions: [String] = []
            var binds: [SQLValue] = []
            if let state = filter.state { conditions.append("state = ?"); binds.append(.text(state.rawValue)) }
            if let caseID = filter.caseID { conditions.append("case_id = ?"); binds.append(.text(caseID)) }
            if let actor = filter.actor { conditions.append("actor = ?"); binds.append(.text(actor)) }
            let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
            binds.append(.integer(Int64(min(max(filter.limit, 1), 10_000))))
            return try await session.query("SELECT * FROM deadlines \(whereClause) ORDER BY due_at, id LIMIT ?", binds).map(Deadline.init(row:))
        }
    }

    /// How many deadlines stand in each state.
    public func deadlineCounts() async throws -> [Deadline.State: Int] {
        try await read { session in
            var counts: [Deadline.State: Int] = [:]
            for row in try await session.query("SELECT state, COUNT(*) AS n FROM deadlines GROUP BY state") {
                if let state = Deadline.State(rawValue: try row.string("state")) { counts[state] = Int(try row.int("n")) }
            }
            return counts
        }
    }
}

extension Deadline {
    init(row: SQLRow) throws {
        guard let state = State(rawValue: try row.string("state")) else { throw StoreError.corrupted("a deadline's state is unknown") }
        self.init(
            id: try row.string("id"), rule: try row.string("rule"), caseID: try row.string("case_id"),
            requestMessageID: try row.string("request_message_id"), requestID: row.optionalString("request_id"),
            requester: try row.string("requester"), actor: try row.string("actor"), received: try row.date("received_at"), due: try row.date("due_at"),
            dueDate: try row.string("due_date"), claimedDue: row.optionalString("claimed_due"), identifiers: try row.string("identifiers"),
            state: state, answerMessageID: row.optionalString("answer_message_id"), answerType: row.optionalString("answer_type"),
            answeredAt: row.optionalDate("answered_at"), lateAnswerMessageID: row.optionalString("late_answer_message_id"),
            claimedBy: row.optionalString("claimed_by"), claimedAt: row.optionalDate("claimed_at"),
            deemedMessageID: row.optionalString("deemed_message_id"), deemedAt: row.optionalDate("deemed_at"))
    }
}
