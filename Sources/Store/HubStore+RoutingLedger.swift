import CaseModel
import Foundation

extension HubStore {
    public func deliveredAlready(_ keys: [DedupeKey]) async throws -> Set<DedupeKey> {
        let unique = Array(Set(keys))
        guard !unique.isEmpty else { return [] }
        return try await read { session in
            var found: Set<DedupeKey> = []
            // Pairs ORed, which both databases answer with one index probe each (SQLite scans
            // the table for a row-value IN list). Padded to a power of two with a repeated key
            // so a handful of statement texts serve every batch size and stay prepared: the
            // router looks up every batch it decides.
            for start in stride(from: 0, to: unique.count, by: 256) {
                var chunk = Array(unique[start..<min(start + 256, unique.count)])
                let width = max(8, 1 << (Int.bitWidth - (chunk.count - 1).leadingZeroBitCount))
                chunk += repeatElement(chunk[chunk.count - 1], count: width - chunk.count)
                let pairs = Array(repeating: "(case_id = ? AND message_id = ?)", count: width).joined(separator: " OR ")
                let rows = try await session.query(SQL(
                    "SELECT case_id, message_id FROM routing_log WHERE outcome = 'delivered' AND (\(pairs))",
                    chunk.flatMap { [SQLValue.text($0.caseID), .text($0.messageID)] }, reused: true))
                for row in rows { found.insert(DedupeKey(messageID: try row.string("message_id"), caseID: try row.string("case_id"))) }
            }
            return found
        }
    }

    /// Writes the routing-log rows of `records` and one audit record covering them (see
    /// ``RoutingDigest``), in one transaction.
    public func record(_ records: [RoutingRecord]) async throws {
        guard !records.isEmpty else { return }
        try await write { session in
            // The batch's audit record is the chain's next one: its rows name it.
            let sequence = try await AuditWriter.head(in: session).sequence + 1
            var rows: [[SQLValue]] = []
            rows.reserveCapacity(records.count)
            var delivered = 0
            for record in records {
                let outcome: String
                var deliveries: String?
                var code: String?, stage: String?, reason: String?
                switch record.outcome {
                case .delivered(let copies):
                    outcome = "delivered"
                    delivered += 1
                    // The same JSON the Codable `Delivery` decodes (the trace reads it back).
                    deliveries = JSONValue.array(copies.map { copy in
                        var object: JSONObject = [
                            "recipient": .string(copy.recipient), "projection": .string(copy.projection), "type": .string(copy.type),
                        ]
                        if let legalBasis = copy.legalBasis { object["legalBasis"] = .string(legalBasis) }
                        return .object(object)
                    }).serializedString()
                case .deadLettered(let errorCode, let failedStage, let why):
                    outcome = "dead-lettered"
                    (code, stage, reason) = (errorCode, failedStage, why)
                }
                let row: [SQLValue] = [
                    .text(record.messageID), .init(record.eventType), .init(record.caseID), .init(record.source), .init(record.sender),
                    .init(record.receivedAt), .init(record.decidedAt), .init(record.replayed), .text(outcome), .init(deliveries),
                    .init(code), .init(stage), .init(reason), .integer(sequence),
                ]
                rows.append(row)
            }
            // The delivered rows are the dedupe marks (see `DedupeKey`).
            try await session.insert(into: "routing_log", columns: RoutingDigest.columns, rows: rows)
            // Digested by the code `audit verify` uses, from the values just written.
            let digest = RoutingDigest.batches(rows)[sequence]?.digest ?? ""
            let details: JSONValue = [
                "decisions": .number(JSONNumber(records.count)), "delivered": .number(JSONNumber(delivered)),
                "deadLettered": .number(JSONNumber(records.count - delivered)), "digest": .string(digest),
            ]
            let appended = try await AuditWriter.append(
                [AuditEntry(actor: .router, action: RoutingDigest.action, subject: "routing-log", caseID: nil, reason: nil, details: details)],
                in: session)
            guard appended.first?.sequence == sequence else { throw StoreError.corrupted("the audit head moved while the routing log was written") }
        }
    }
}
