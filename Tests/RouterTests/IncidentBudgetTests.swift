import AMQP
import CaseModel
import Foundation
@testable import Router
import Testing

/// The BSI gets the first incidents of a minute singly and the rest summarised (no broker).
@Suite("Incident budget")
struct IncidentBudgetTests {
    let start = Date(timeIntervalSince1970: 1_700_000_000)
    let forged = IncidentBudget.Key(sender: "av.lagos", kind: "forged-hub-header")

    @Test("a flood: ten reported singly, the rest held and summarised once the window ends, with counts, times and at most 100 ids")
    func flood() {
        var budget = IncidentBudget(perWindow: 10, window: 60)
        var single = 0
        for index in 0..<5_000 {
            if budget.admit(forged, messageID: "m\(index)", now: start.addingTimeInterval(Double(index) / 100)) != nil { single += 1 }
        }
        #expect(single == 10)
        #expect(budget.due(now: start.addingTimeInterval(59)).isEmpty)
        let summaries = budget.due(now: start.addingTimeInterval(60))
        #expect(summaries.count == 1)
        let summary = summaries[0]
        #expect(summary.occurrences == 4_990)
        #expect(summary.firstSeen == start.addingTimeInterval(0.1))
        #expect(summary.lastSeen == start.addingTimeInterval(49.99))
        #expect(summary.messageIDs.count == 100)
        #expect(summary.messageIDs.first == "m10")
        #expect(budget.due(now: start.addingTimeInterval(120)).isEmpty, "summarised once")
        // A new window reports singly again.
        #expect(budget.admit(forged, messageID: "later", now: start.addingTimeInterval(200))?.occurrences == 1)
    }

    @Test("senders and kinds have budgets of their own: one agency's flood does not silence another's incident")
    func separateBudgets() {
        var budget = IncidentBudget(perWindow: 2, window: 60)
        for index in 0..<10 { _ = budget.admit(forged, messageID: "f\(index)", now: start) }
        #expect(budget.admit(.init(sender: "abh.berlin", kind: "forged-hub-header"), messageID: "b", now: start) != nil)
        #expect(budget.admit(.init(sender: "av.lagos", kind: "forged-sender"), messageID: "s", now: start) != nil)
    }

    @Test("a window that ended while no commit summarised it is summarised by the next incident of its key")
    func summarisedByTheNextIncident() {
        var budget = IncidentBudget(perWindow: 1, window: 60)
        #expect(budget.admit(forged, messageID: "a", now: start) != nil)
        #expect(budget.admit(forged, messageID: "b", now: start.addingTimeInterval(1)) == nil)
        #expect(budget.admit(forged, messageID: "c", now: start.addingTimeInterval(2)) == nil)
        let report = budget.admit(forged, messageID: "d", now: start.addingTimeInterval(61))
        #expect(report?.occurrences == 3)
        #expect(report?.messageIDs == ["b", "c", "d"])
        #expect(budget.due(now: start.addingTimeInterval(200)).isEmpty)
    }

    @Test("a summary is a valid incident event for the BSI")
    func summaryEvent() throws {
        let hub = HubEvents(catalogue: sharedRules.catalogue, routerUser: "drehscheibe-router")
        let report = IncidentBudget.Report(
            key: forged, occurrences: 4_990, firstSeen: start, lastSeen: start.addingTimeInterval(50), messageIDs: (0..<100).map { "m\($0)" })
        let message = try #require(hub.incidentSummary(report, now: start.addingTimeInterval(60)))
        let validation = sharedRules.schemas.validate(try CaseEvent.decode(message.body))
        #expect(validation.isValid, "\(validation.errors.map(\.message))")
        #expect(String(decoding: message.body, as: UTF8.self).contains("\"occurrences\":4990"))
    }
}
