import CaseModel
import Foundation

extension HubStore {
    /// The timeline of one case: every routing decision on its messages, the dead letters it
    /// produced, and every operator action on them, oldest first.
    public func trace(caseID: String) async throws -> CaseTrace {
        guard !caseID.isEmpty else { throw StoreError.invalidArgument("a case id is needed") }
        return try await read { session in
            var events: [(order: Int, event: TraceEvent)] = []
            func add(_ event: TraceEvent) { events.append((events.count, event)) }

            for row in try await session.query("SELECT * FROM routing_log WHERE case_id = ? ORDER BY id", [.text(caseID)]) {
                let messageID = try row.string("message_id")
                let type = row.optionalString("event_type") ?? "an event"
                let sender = row.optionalString("sender")
                let replayed = try row.int("replayed") != 0
                add(TraceEvent(
                    at: try row.date("received_at"), kind: .received, messageID: messageID, actor: sender,
                    summary: "received \(type)\(sender.map { " from \($0)" } ?? "")\(replayed ? " (replayed)" : "")"))
                let decidedAt = try row.date("decided_at")
                if try row.string("outcome") == "delivered" {
                    let copies = try row.optionalString("deliveries").map {
                        try JSONDecoder().decode([RoutingRecord.Delivery].self, from: Data($0.utf8))
                    } ?? []
                    for copy in copies {
                        add(TraceEvent(
                            at: decidedAt, kind: .delivered, messageID: messageID, actor: "router",
                            summary: "delivered to \(copy.recipient) as \(copy.type) with projection \(copy.projection)"
                                + (copy.legalBasis.map { " under \($0)" } ?? "")))
                    }
                } else {
                    let code = row.optionalString("error_code") ?? "?"
                    let stage = row.optionalString("stage") ?? "?"
                    add(TraceEvent(
                        at: decidedAt, kind: .deadLettered, messageID: messageID, actor: "router",
                        summary: "dead-lettered at \(stage): \(code)\(row.optionalString("reason").map { " – \($0)" } ?? "")"))
                }
            }
            for row in try await session.query(
                "SELECT id, message_id, received_at, error_code, stage FROM dead_letters WHERE case_id = ? ORDER BY id", [.text(caseID)])
            {
                let id = DeadLetterID(try row.int("id"))
                add(TraceEvent(
                    at: try row.date("received_at"), kind: .stored, messageID: row.optionalString("message_id"), deadLetterID: id,
                    actor: nil, summary: "stored as dead letter \(id) (\(try row.string("error_code")))"))
            }
            for row in try await session.query("SELECT * FROM deadlines WHERE case_id = ? ORDER BY received_at, id", [.text(caseID)]) {
                let deadline = try Deadline(row: row)
                add(TraceEvent(
                    at: deadline.received, kind: .deadlineOpened, messageID: deadline.requestMessageID, actor: "router",
                    summary: "period \(deadline.rule) opened: \(deadline.actor) to act for \(deadline.requester) by the end of \(deadline.dueDate) (\(LegalPeriod.berlinTimestamp(deadline.due)))"))
                if let claimed = deadline.claimedDue {
                    add(TraceEvent(
                        at: deadline.received, kind: .deadlineWarning, messageID: deadline.requestMessageID, actor: deadline.requester,
                        summary: "the sender's dueat \(claimed) contradicts the hub's computation (\(deadline.dueDate)); the hub's counts"))
                }
                if deadline.state == .answered, let at = deadline.answeredAt {
                    add(TraceEvent(
                        at: at, kind: .deadlineAnswered, messageID: deadline.answerMessageID, actor: deadline.actor,
                        summary: "period \(deadline.rule) closed in time by \(deadline.actor)'s \(deadline.answerType ?? "answer")"))
                }
                if deadline.state == .withdrawn, let at = deadline.answeredAt {
                    add(TraceEvent(
                        at: at, kind: .deadlineWithdrawn, messageID: deadline.answerMessageID, actor: deadline.requester,
                        summary: "period \(deadline.rule) ended: \(deadline.requester) withdrew the request"))
                }
                if let late = deadline.lateAnswerMessageID {
                    add(TraceEvent(
                        at: deadline.due, kind: .deadlineWarning, messageID: late, actor: deadline.actor,
                        summary: "\(deadline.actor) answered after period \(deadline.rule) had ended; the deemed outcome stands"))
                }
            }
            // The router's own records are in the routing log already.
            for row in try await session.query(
                "SELECT * FROM audit_log WHERE case_id = ? AND action NOT LIKE 'route.%' ORDER BY sequence", [.text(caseID)])
            {
                let record = try AuditWriter.record(row)
                add(Self.traceEvent(record))
            }
            let sorted = events.sorted { $0.event.at == $1.event.at ? $0.order < $1.order : $0.event.at < $1.event.at }
            return CaseTrace(caseID: caseID, events: sorted.map(\.event))
        }
    }

    private static func traceEvent(_ record: AuditRecord) -> TraceEvent {
        let details = (try? JSONParser().parse(Array(record.details.utf8))) ?? .null
        let id = record.subject.hasPrefix("dead-letter:")
            ? Int64(String(record.subject.dropFirst("dead-letter:".count))).map { DeadLetterID($0) } : nil
        let who = "\(record.actor) (\(record.role))"
        let letter = id.map { "dead letter \($0)" } ?? record.subject
        let messageID = details["messageID"]?.stringValue
        switch record.action {
        case "deadline.deemed":
            return TraceEvent(
                at: record.recordedAt, kind: .deadlineDeemed, messageID: details["deemedMessageId"]?.stringValue, actor: AgencyID.hub.rawValue,
                summary: "period \(details["rule"]?.stringValue ?? "?") ended without an answer from \(details["actor"]?.stringValue ?? "?"): deemed outcome sent to \(details["requester"]?.stringValue ?? "?")")
        case "dead-letter.edited":
            let paths = details["paths"]?.arrayValue?.compactMap(\.stringValue).joined(separator: ", ") ?? ""
            let outcome = details["revalidation"]?.stringValue ?? "?"
            return TraceEvent(at: record.recordedAt, kind: .edited, messageID: messageID, deadLetterID: id, actor: record.actor,
                              summary: "\(letter) edited by \(who) at \(paths); revalidation \(outcome)")
        case "dead-letter.replayed":
            let to = "\(details["exchange"]?.stringValue ?? "?") → \(details["routingKey"]?.stringValue ?? "?")"
            return TraceEvent(at: record.recordedAt, kind: .replayed, messageID: messageID, deadLetterID: id, actor: record.actor,
                              summary: "\(letter) replayed to \(to) by \(who) (replay \(details["replayID"]?.stringValue ?? "?"))")
        case "dead-letter.replay-failed":
            return TraceEvent(at: record.recordedAt, kind: .replayFailed, messageID: messageID, deadLetterID: id, actor: record.actor,
                              summary: "replaying \(letter) failed: \(details["error"]?.stringValue ?? "?")")
        case "dead-letter.discarded":
            return TraceEvent(at: record.recordedAt, kind: .discarded, messageID: messageID, deadLetterID: id, actor: record.actor,
                              summary: "\(letter) discarded by \(who): \(record.reason ?? "")")
        default:
            return TraceEvent(at: record.recordedAt, kind: .action, messageID: messageID, deadLetterID: id, actor: record.actor,
                              summary: "\(record.action) on \(record.subject) by \(who)\(record.reason.map { ": \($0)" } ?? "")")
        }
    }
}
