import CaseModel
import Foundation
import Store
import Testing

@Suite("Deadlines in the store: opened once, closed by an answer in time, claimed by one service, deemed once")
struct DeadlineStoreTests {
    static let received = Date(timeIntervalSince1970: 1_780_000_000)
    static let due = received.addingTimeInterval(14 * 86_400)

    static func opening(_ n: Int = 1, actor: String = "ba", claimedDue: String? = nil) -> DeadlineOpening {
        DeadlineOpening(
            rule: "beschv-36-2", caseID: "abh.berlin:A-\(n)", requestMessageID: "00000000-0000-4000-8000-\(String(format: "%012d", n))",
            requestID: "10000000-0000-4000-8000-\(String(format: "%012d", n))", requester: "abh.berlin", actor: actor, received: received,
            due: due, dueDate: CivilDate(due), identifiers: ["caseFileNumber": .string("32-1-\(n)")], claimedDue: claimedDue)
    }

    static func answer(to opening: DeadlineOpening, from answerer: String = "ba", at: Date, id: String = UUID().uuidString.lowercased()) -> DeadlineReply {
        DeadlineReply(
            caseID: opening.caseID, requestID: opening.requestID, sender: answerer, messageID: id,
            type: "de.migration.employment.consent-decided.v1", rules: ["beschv-36-2"], received: at)
    }

    @Test(arguments: Backend.allCases)
    func anAnswerInTimeClosesItWhicheverComesFirst(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let first = Self.opening(1), second = Self.opening(2)
            // The usual order, and an opening delivered twice.
            #expect(try await store.recordDeadlines([.opened(first)], now: Self.received).opened == 1)
            #expect(try await store.recordDeadlines([.opened(first)], now: Self.received).opened == 0)
            // Another agency's answer closes nothing.
            #expect(try await store.recordDeadlines([.answered(Self.answer(to: first, from: "bva", at: Self.received))], now: Self.received).answered == 0)
            #expect(try await store.recordDeadlines([.answered(Self.answer(to: first, at: Self.due))], now: Self.due).answered == 1)
            // The answer recorded before the opening.
            _ = try await store.recordDeadlines([.answered(Self.answer(to: second, at: Self.received.addingTimeInterval(60)))], now: Self.received)
            #expect(try await store.recordDeadlines([.opened(second)], now: Self.received).answered == 1)
            let all = try await store.deadlines(DeadlineFilter())
            #expect(all.map(\.state) == [.answered, .answered])
            #expect(all.allSatisfy { $0.answerType == "de.migration.employment.consent-decided.v1" })
            // Nothing is due any more.
            #expect(try await store.claimEndedDeadlines(endedBy: Self.due.addingTimeInterval(86_400), staleBefore: Self.received, claimant: "a", now: Self.due).isEmpty)
        }
    }

    @Test(arguments: Backend.allCases)
    func aLateAnswerIsNotedAndTheDeemedOutcomeStands(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let opening = Self.opening(claimedDue: "2030-01-01T00:00:00+01:00")
            try await store.recordDeadlines([.opened(opening)], now: Self.received)
            let late = Self.answer(to: opening, at: Self.due.addingTimeInterval(1), id: "late-1")
            let recording = try await store.recordDeadlines([.answered(late)], now: Self.due.addingTimeInterval(1))
            #expect(recording.answered == 0)
            #expect(recording.late == 1)
            // Not yet ended at its due instant's second before; ended after it.
            #expect(try await store.claimEndedDeadlines(endedBy: Self.due.addingTimeInterval(-1), staleBefore: Self.received, claimant: "a", now: Self.due).isEmpty)
            let claimed = try await store.claimEndedDeadlines(endedBy: Self.due, staleBefore: Self.received, claimant: "a", now: Self.due)
            #expect(claimed.map(\.id) == [opening.id])
            #expect(claimed.first?.state == .deeming)
            #expect(claimed.first?.lateAnswerMessageID == "late-1")
            #expect(claimed.first?.claimedDue == "2030-01-01T00:00:00+01:00", "a sender's dueat that disagrees is kept for the trace")
            let id = claimed[0].deemedOutcomeMessageID
            #expect(try await store.markDeemed(claimed[0], claimant: "a", messageID: id, at: Self.due))
            #expect(try await store.deadlines(DeadlineFilter(state: .deemed)).map(\.deemedMessageID) == [id])
            let audit = try await store.auditRecords()
            #expect(audit.contains { $0.action == "deadline.deemed" && $0.subject == "deadline:\(opening.id)" && $0.caseID == opening.caseID })
            #expect(try await store.verifyAudit().isIntact)
        }
    }

    @Test(arguments: Backend.allCases)
    func twoServicesNeverClaimTheSameDeadline(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let openings = (1...60).map { Self.opening($0) }
            try await store.recordDeadlines(openings.map(DeadlineEvent.opened), now: Self.received)
            let later = Self.due.addingTimeInterval(60)
            let claims = try await withThrowingTaskGroup(of: [String].self) { group in
                for claimant in ["a", "b"] {
                    group.addTask {
                        var mine: [String] = []
                        while true {
                            let batch = try await store.claimEndedDeadlines(endedBy: later, staleBefore: Self.received, claimant: claimant, now: later, limit: 7)
                            if batch.isEmpty { return mine }
                            mine += batch.map(\.id)
                        }
                    }
                }
                return try await group.reduce(into: [[String]]()) { $0.append($1) }
            }
            let all = claims.flatMap { $0 }
            #expect(all.count == 60, "claimed \(all.count) times for 60 deadlines")
            #expect(Set(all) == Set(openings.map(\.id)))
        }
    }

    @Test(arguments: Backend.allCases)
    func aClaimNeverMarkedIsTakenOverAndTheFirstClaimantLosesIt(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            try await store.recordDeadlines([.opened(Self.opening())], now: Self.received)
            let t0 = Self.due.addingTimeInterval(10)
            let first = try await store.claimEndedDeadlines(endedBy: t0, staleBefore: t0.addingTimeInterval(-60), claimant: "a", now: t0)
            #expect(first.count == 1)
            // Still fresh: nobody else takes it.
            #expect(try await store.claimEndedDeadlines(endedBy: t0, staleBefore: t0.addingTimeInterval(-60), claimant: "b", now: t0).isEmpty)
            let t1 = t0.addingTimeInterval(120)
            let second = try await store.claimEndedDeadlines(endedBy: t1, staleBefore: t1.addingTimeInterval(-60), claimant: "b", now: t1)
            #expect(second.map(\.id) == first.map(\.id))
            #expect(try await !store.markDeemed(first[0], claimant: "a", messageID: first[0].deemedOutcomeMessageID, at: t1))
            #expect(try await store.markDeemed(second[0], claimant: "b", messageID: second[0].deemedOutcomeMessageID, at: t1))
            #expect(try await store.deadlineCounts() == [.deemed: 1])
        }
    }

    @Test func theDeemedOutcomeHasOneMessageIDPerDeadline() {
        let a = Deadline.deemedOutcomeMessageID("beschv-36-2/x/ba")
        #expect(a == Deadline.deemedOutcomeMessageID("beschv-36-2/x/ba"))
        #expect(a != Deadline.deemedOutcomeMessageID("beschv-36-2/y/ba"))
        #expect(UUID(uuidString: a) != nil)
        #expect(a == a.lowercased())
    }
}

extension DeadlineStoreTests {
    @Test(arguments: Backend.allCases)
    func aDeliveredOutcomeEndsTheDeadlineEvenWhenItsServiceNeverMarkedIt(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let opening = Self.opening()
            try await store.recordDeadlines([.opened(opening)], now: Self.received)
            let t0 = Self.due.addingTimeInterval(10)
            let claimed = try await store.claimEndedDeadlines(endedBy: t0, staleBefore: t0.addingTimeInterval(-60), claimant: "a", now: t0)
            #expect(claimed.count == 1)
            // "a" published and died; the router's notice of the delivery arrives.
            let delivered = DeadlineDeemed(deadlineID: opening.id, messageID: claimed[0].deemedOutcomeMessageID, delivered: t0)
            #expect(try await store.recordDeadlines([.deemed(delivered)], now: t0).deemed == 1)
            #expect(try await store.recordDeadlines([.deemed(delivered)], now: t0).deemed == 0)
            // Long after the lease nobody claims it again, and the dead claimant's mark changes nothing.
            let t1 = t0.addingTimeInterval(3_600)
            #expect(try await store.claimEndedDeadlines(endedBy: t1, staleBefore: t1.addingTimeInterval(-60), claimant: "b", now: t1).isEmpty)
            #expect(try await !store.markDeemed(claimed[0], claimant: "a", messageID: claimed[0].deemedOutcomeMessageID, at: t1))
            #expect(try await store.auditRecords().filter { $0.action == "deadline.deemed" }.count == 1)
        }
    }
}

extension DeadlineStoreTests {
    static func withdrawal(of opening: DeadlineOpening, by requester: String, at: Date) -> DeadlineReply {
        DeadlineReply(
            caseID: opening.caseID, requestID: opening.requestID, sender: requester, messageID: UUID().uuidString.lowercased(),
            type: "de.migration.case.request-withdrawn.v1", rules: ["beschv-36-2"], received: at)
    }

    @Test(arguments: Backend.allCases)
    func onlyTheRequesterWithdrawsAndOnlyWhileThePeriodRuns(_ backend: Backend) async throws {
        try await withStore(backend) { store, _ in
            let first = Self.opening(1), second = Self.opening(2)
            try await store.recordDeadlines([.opened(first), .opened(second)], now: Self.received)
            let during = Self.received.addingTimeInterval(86_400)
            // Another agency cannot withdraw the office's request.
            #expect(try await store.recordDeadlines([.withdrawn(Self.withdrawal(of: first, by: "abh.koeln", at: during))], now: during).withdrawn == 0)
            #expect(try await store.recordDeadlines([.withdrawn(Self.withdrawal(of: first, by: "abh.berlin", at: during))], now: during).withdrawn == 1)
            // After the end it is too late: the deemed outcome stands.
            let after = Self.due.addingTimeInterval(1)
            #expect(try await store.recordDeadlines([.withdrawn(Self.withdrawal(of: second, by: "abh.berlin", at: after))], now: after).withdrawn == 0)
            let claimed = try await store.claimEndedDeadlines(endedBy: after, staleBefore: Self.received, claimant: "a", now: after)
            #expect(claimed.map(\.id) == [second.id])
            #expect(try await store.deadlines(DeadlineFilter(state: .withdrawn)).map(\.id) == [first.id])
            // A later answer does not revive a withdrawn request.
            #expect(try await store.recordDeadlines([.answered(Self.answer(to: first, at: during))], now: during).answered == 0)
            let trace = try await store.trace(caseID: first.caseID)
            #expect(trace.events.map(\.kind) == [.deadlineOpened, .deadlineWithdrawn])
        }
    }
}
