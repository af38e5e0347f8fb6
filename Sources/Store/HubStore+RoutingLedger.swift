import CaseModel
import Foundation

extension HubStore {
    public func deliveredAlready(_ messageIDs: [String]) async throws -> Set<String> {
        let unique = Array(Set(messageIDs))
        guard !unique.isEmpty else { return [] }
        return try await read { session in
            var found: Set<String> = []
            // Bounded IN lists (SQLite allows 32766 variables, PostgreSQL 65535), padded to a
            // power of two with a repeated id so a handful of statement texts serve every batch
            // size and stay prepared: the router looks up every batch it decides.
            for start in stride(from: 0, to: unique.count, by: 512) {
                var chunk = unique[start..<min(start + 512, unique.count)].map(SQLValue.text)
                let width = max(8, 1 << (Int.bitWidth - (chunk.count - 1).leadingZeroBitCount))
                chunk += repeatElement(chunk[chunk.count - 1], count: width - chunk.count)
                let rows = try await session.query(SQL(
                    "SELECT message_id FROM delivered_messages WHERE message_id IN (\(SQL.placeholders(width)))", chunk, reused: true))
                for row in rows { found.insert(try row.string("message_id")) }
            }
            return found
        }
    }

    public func record(_ records: [RoutingRecord]) async throws {
        guard !records.isEmpty else { return }
        try await write { session in
            var entries: [AuditEntry] = []
            var delivered: [String] = []
            var deliveredAt: [String: SQLValue] = [:]
            var logRows: [[SQLValue]] = []
            for record in records {
                var details = JSONObject()
                details["eventType"] = record.eventType.map(JSONValue.string) ?? .null
                details["sender"] = record.sender.map(JSONValue.string) ?? .null
                details["replayed"] = .bool(record.replayed)
                let outcome: String
                var deliveries: String?
                var code: String?, stage: String?, reason: String?
                switch record.outcome {
                case .delivered(let copies):
                    outcome = "delivered"
                    // The same JSON the Codable `Delivery` decodes (the trace reads it back).
                    let copies = JSONValue.array(copies.map { copy in
                        ["recipient": .string(copy.recipient), "projection": .string(copy.projection), "type": .string(copy.type)]
                    })
                    deliveries = copies.serializedString()
                    details["deliveries"] = copies
                    if deliveredAt.updateValue(.init(record.decidedAt), forKey: record.messageID) == nil { delivered.append(record.messageID) }
                case .deadLettered(let errorCode, let failedStage, let why):
                    outcome = "dead-lettered"
                    (code, stage, reason) = (errorCode, failedStage, why)
                    details["code"] = .string(errorCode)
                    details["stage"] = .string(failedStage)
                }
                logRows.append([
                    .text(record.messageID), .init(record.eventType), .init(record.caseID), .init(record.source), .init(record.sender),
                    .init(record.receivedAt), .init(record.decidedAt), .init(record.replayed), .text(outcome), .init(deliveries),
                    .init(code), .init(stage), .init(reason),
                ])
                entries.append(AuditEntry(
                    actor: .router, action: "route.\(outcome)", subject: "message:\(record.messageID)", caseID: record.caseID,
                    reason: reason, details: .object(details)))
            }
            // A message id appears once per batch here: one statement must not insert it twice.
            try await session.insert(
                into: "delivered_messages", columns: ["message_id", "delivered_at"],
                rows: delivered.map { [.text($0), deliveredAt[$0]!] }, suffix: "ON CONFLICT (message_id) DO NOTHING")
            try await session.insert(
                into: "routing_log",
                columns: ["message_id", "event_type", "case_id", "source", "sender", "received_at", "decided_at", "replayed",
                          "outcome", "deliveries", "error_code", "stage", "reason"],
                rows: logRows)
            _ = try await AuditWriter.append(entries, in: session)
        }
    }
}
