import CaseModel
import Foundation
import Store
import Testing

@Suite("Routing ledger")
struct RoutingLedgerTests {
    @Test(arguments: Backend.allCases)
    func marksOnlyDeliveredMessages(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let now = Date()
            let ledger: any RoutingLedger = store
            func key(_ id: String, _ caseID: String = "bamf:A-1") -> DedupeKey { DedupeKey(messageID: id, caseID: caseID) }
            #expect(try await ledger.deliveredAlready([key("a"), key("b")]).isEmpty)
            try await ledger.record([
                RoutingRecord(
                    messageID: "a", eventType: "de.migration.asylum.decision-issued.v1", caseID: "bamf:A-1", source: "urn:de:migration:bamf",
                    sender: "bamf", receivedAt: now, decidedAt: now, replayed: false,
                    outcome: .delivered([.init(recipient: "abh.berlin", projection: "abh", type: "de.migration.asylum.decision-issued.v1"),
                                         .init(recipient: "bva", projection: "azr", type: "de.migration.asylum.decision-issued.v1")])),
                RoutingRecord(
                    messageID: "b", eventType: "de.migration.asylum.decision-issued.v1", caseID: "bamf:A-1", source: nil, sender: "bamf",
                    receivedAt: now, decidedAt: now, replayed: false,
                    outcome: .deadLettered(code: "invalid", stage: "validate", reason: "The decision date is missing.")),
            ])
            #expect(try await ledger.deliveredAlready([key("a"), key("b"), key("c"), key("a")]) == [key("a")])
            // The same id in another case is another message (a producer reusing ids): routed.
            #expect(try await ledger.deliveredAlready([key("a", "bamf:A-2")]).isEmpty)
            // Recording a delivered id again (a redelivery the dedupe let through) is harmless.
            try await ledger.record([RoutingRecord(
                messageID: "a", eventType: nil, caseID: "bamf:A-1", source: nil, sender: nil, receivedAt: now, decidedAt: now, replayed: true,
                outcome: .delivered([]))])
            #expect(try await ledger.deliveredAlready([key("a")]) == [key("a")])

            // One audit record per recorded batch, covering its routing-log rows.
            let audit = try await store.auditRecords()
            #expect(audit.map(\.action) == ["route.recorded", "route.recorded"])
            #expect(audit.allSatisfy { $0.actor == "router" })
            let details = try JSONValue(parsing: audit[0].details)
            #expect(details["decisions"] == 2)
            #expect(details["delivered"] == 1)
            #expect(details["deadLettered"] == 1)
            #expect(try await store.verifyAudit().isIntact)
        }
    }

    @Test(arguments: Backend.allCases)
    func answersLargeBatches(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let now = Date()
            let keys = (0..<1200).map { DedupeKey(messageID: "m-\($0)", caseID: "abh.berlin:\($0 % 7)") }
            try await store.record(keys.map {
                RoutingRecord(messageID: $0.messageID, eventType: nil, caseID: $0.caseID, source: nil, sender: nil, receivedAt: now, decidedAt: now,
                              replayed: false, outcome: .delivered([]))
            })
            let found = try await store.deliveredAlready(keys + [DedupeKey(messageID: "unknown", caseID: "abh.berlin:1")])
            #expect(found == Set(keys))
        }
    }

    /// Three decisions in one batch (audit record #1), then an operator's record (#2).
    private func recordThree(_ store: HubStore) async throws {
        let now = Date()
        try await store.record(["a", "b", "c"].map { id in
            RoutingRecord(
                messageID: id, eventType: "de.migration.asylum.decision-issued.v1", caseID: "bamf:A-1", source: "urn:de:migration:bamf",
                sender: "bamf", receivedAt: now, decidedAt: now, replayed: false,
                outcome: id == "b" ? .deadLettered(code: "invalid", stage: "validate", reason: "The decision date is missing.")
                    : .delivered([.init(recipient: "abh.berlin", projection: "abh", type: "de.migration.asylum.decision-issued.v1")]))
        })
        try await store.appendAudit(AuditEntry(
            actor: operatorAlice, action: "dead-letter.discarded", subject: "dead-letter:1", caseID: "bamf:A-1", reason: "test", details: [:]))
        let verification = try await store.verifyAudit()
        #expect(verification.isIntact)
        #expect(verification.routingDecisions == 3)
    }

    @Test(arguments: Backend.allCases)
    func theChainDetectsAChangedRoutingDecision(_ backend: Backend) async throws {
        try await withStore(backend) { store, fixture in
            try await recordThree(store)
            try fixture.tamper("UPDATE routing_log SET outcome = 'delivered', error_code = NULL, stage = NULL, reason = NULL WHERE message_id = 'b'")
            let verification = try await store.verifyAudit()
            #expect(verification.problems.map(\.kind) == [.changed])
            #expect(verification.problems.first?.sequence == 1)
            #expect(verification.problems.first?.message.contains("changed") == true)
        }
    }

    @Test(arguments: Backend.allCases)
    func theChainDetectsARemovedRoutingDecision(_ backend: Backend) async throws {
        try await withStore(backend) { store, fixture in
            try await recordThree(store)
            try fixture.tamper("DELETE FROM routing_log WHERE message_id = 'b'")
            let verification = try await store.verifyAudit()
            #expect(verification.problems.map(\.kind) == [.removed])
            #expect(verification.problems.first?.message.contains("1 of the 3 routing decisions of record #1") == true)
        }
    }

    @Test(arguments: Backend.allCases)
    func theChainDetectsAddedRoutingDecisions(_ backend: Backend) async throws {
        try await withStore(backend) { store, fixture in
            try await recordThree(store)
            let columns = "(message_id, case_id, received_at, decided_at, replayed, outcome, deliveries, audit_sequence)"
            // Slipped into the router's batch, and under the operator's record.
            try fixture.tamper("INSERT INTO routing_log \(columns) VALUES ('forged', 'bamf:A-1', 0, 0, 0, 'delivered', '[]', 1)")
            try fixture.tamper("INSERT INTO routing_log \(columns) VALUES ('forged-2', 'bamf:A-1', 0, 0, 0, 'delivered', '[]', 2)")
            let verification = try await store.verifyAudit()
            #expect(verification.problems.map(\.kind) == [.changed, .changed])
            #expect(verification.problems.map(\.sequence) == [1, 2])
            #expect(verification.problems.first?.message.contains("added") == true)
            #expect(verification.problems.last?.message.contains("records no routing decisions") == true)
        }
    }
}
