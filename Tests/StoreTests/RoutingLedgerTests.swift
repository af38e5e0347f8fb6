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
            #expect(try await ledger.deliveredAlready(["a", "b"]).isEmpty)
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
            #expect(try await ledger.deliveredAlready(["a", "b", "c", "a"]) == ["a"])
            // Recording a delivered id again (a redelivery the dedupe let through) is harmless.
            try await ledger.record([RoutingRecord(
                messageID: "a", eventType: nil, caseID: nil, source: nil, sender: nil, receivedAt: now, decidedAt: now, replayed: true,
                outcome: .delivered([]))])

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
            let ids = (0..<1200).map { "m-\($0)" }
            try await store.record(ids.map {
                RoutingRecord(messageID: $0, eventType: nil, caseID: nil, source: nil, sender: nil, receivedAt: now, decidedAt: now,
                              replayed: false, outcome: .delivered([]))
            })
            #expect(try await store.deliveredAlready(ids + ["unknown"]).count == 1200)
        }
    }
}
