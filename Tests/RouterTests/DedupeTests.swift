import Foundation
@testable import Router
import Store
import Testing

/// One key function for the dedupe (no broker).
@Suite("Dedupe key")
struct DedupeTests {
    @Test("a message is known by its id within its case; without either it has no key")
    func key() {
        let context = MessageContext(messageID: "m-1", caseID: "abh.berlin:1")
        #expect(Dedupe.key(of: context) == DedupeKey(messageID: "m-1", caseID: "abh.berlin:1"))
        #expect(Dedupe.key(of: MessageContext(messageID: "m-1")) == nil)
        #expect(Dedupe.key(of: MessageContext(caseID: "abh.berlin:1")) == nil)
    }

    @Test("a delivery the hub owes to named recipients is never deduplicated; the same from a partner is")
    func redelivery() {
        var owed = MessageContext(messageID: "m-1", caseID: "abh.berlin:1", pendingRecipients: ["bka"])
        owed.fromHub = true
        #expect(Dedupe.key(of: owed) == nil)
        owed.fromHub = false
        #expect(Dedupe.key(of: owed) != nil)
    }

    @Test("the key the store records for a delivered message is the dedupe's key")
    func recordedKey() {
        let context = MessageContext(messageID: "m-1", caseID: "abh.berlin:1")
        let record = RoutingRecord(
            messageID: "m-1", eventType: nil, caseID: "abh.berlin:1", source: nil, sender: nil, receivedAt: Date(), decidedAt: Date(),
            replayed: false, outcome: .delivered([]))
        #expect(record.deliveredKey == Dedupe.key(of: context))
    }
}
