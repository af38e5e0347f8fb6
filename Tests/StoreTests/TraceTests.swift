import Foundation
import Store
import Testing

@Suite("Case trace")
struct TraceTests {
    @Test(arguments: Backend.allCases)
    func tellsTheWholeStoryOfACase(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let t0 = Date(timeIntervalSince1970: 1_772_000_000)
            let caseID = "av.istanbul:IST-2026-004711"
            try await store.record([
                RoutingRecord(
                    messageID: "m1", eventType: "de.migration.visa.application-submitted.v1", caseID: caseID, source: nil, sender: "av.istanbul",
                    receivedAt: t0, decidedAt: t0.addingTimeInterval(1), replayed: false,
                    outcome: .delivered([.init(
                        recipient: "bva", projection: "azr", legalBasis: "§ 6 AZRG", type: "de.migration.visa.application-submitted.v1")])),
                RoutingRecord(
                    messageID: "m2", eventType: "de.migration.visa.abh-consent-requested.v1", caseID: caseID, source: nil, sender: "av.istanbul",
                    receivedAt: t0.addingTimeInterval(10), decidedAt: t0.addingTimeInterval(11), replayed: false,
                    outcome: .deadLettered(code: "unroutable", stage: "route", reason: "The routing field /data/responsibleOffice is missing.")),
                RoutingRecord(
                    messageID: "other", eventType: nil, caseID: "bamf:X", source: nil, sender: nil, receivedAt: t0, decidedAt: t0,
                    replayed: false, outcome: .delivered([])),
            ])
            let (id, _) = try await store.storeDeadLetter(try makeDeadLetter(
                messageID: "m2", caseID: caseID, code: "unroutable", sender: "av.istanbul", receivedAt: t0.addingTimeInterval(12)))
            let job = try await store.startReplay(ReplayRequest(selection: .ids([id]), actor: operatorAlice), runner: "r")
            let payload = try await store.beginReplayPublish(job.id, id, runner: "r")
            try await store.finishReplayPublish(payload, runner: "r", outcome: .published)

            let trace = try await store.trace(caseID: caseID)
            #expect(trace.events.map(\.kind) == [.received, .delivered, .received, .deadLettered, .stored, .action, .replayed])
            // Each copy names the legal basis its grant gave it (the copy's legalpurpose).
            #expect(trace.events[1].summary == "delivered to bva as de.migration.visa.application-submitted.v1 with projection azr under § 6 AZRG")
            #expect(trace.events[3].summary.contains("unroutable"))
            #expect(trace.events[4].deadLetterID == id)
            #expect(trace.events[6].actor == "alice")
            #expect(trace.events[6].messageID == "m2")
            #expect(try await store.trace(caseID: "nobody:0").events.isEmpty)
        }
    }
}
