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

            let audit = try await store.auditRecords()
            #expect(audit.map(\.action) == ["route.delivered", "route.dead-lettered", "route.delivered"])
            #expect(audit.allSatisfy { $0.actor == "router" })
            #expect(audit[1].reason == "The decision date is missing.")
            #expect(audit[0].details.contains("abh.berlin"))
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
}
