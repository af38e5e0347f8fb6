import AMQP
import CaseModel
import Foundation
@testable import Router
import Store
import Testing

/// The deadlines a routed message opens or answers, planned without a broker, and the deemed
/// outcomes the hub publishes, admitted and routed by the router's own pipeline.
@Suite("Deadlines in the router (pure, no broker)")
struct DeadlinePlanningTests {
    let pipeline = Pipeline(rules: sharedRules)
    let planner: DeliveryPlanner
    let room = QueueCapacity(inboxHighWater: 10, deadLettersHighWater: 10)
    let always: DeliveryPlanner.IncidentGate = { _, _ in true }
    let deadlines = sharedRules.deadlines

    init() throws {
        let configuration = RouterConfiguration(
            connection: try ConnectionConfiguration(url: "amqp://drehscheibe-router:x@127.0.0.1/drehscheibe"),
            retry: RetryPolicy(tiers: ["5s"], maximumAttempts: 3), schemasDirectory: schemasDirectory)
        planner = DeliveryPlanner(configuration: configuration, catalogue: sharedRules.catalogue)
    }

    func decide(_ inbound: Inbound) -> Decision { RouterTests.decide(inbound, with: pipeline) }

    func notice(in plan: DeliveryPlan) -> DeadlineNotice? {
        plan.outputs.first { $0.routingKey == "hub.deadlines" }.flatMap { DeadlineNotice(bytes: $0.message.body) }
    }

    func openings(_ notice: DeadlineNotice?) -> [DeadlineOpening] {
        notice?.events.compactMap { if case .opened(let opening) = $0 { opening } else { nil } } ?? []
    }

    @Test("a consent request delivered to the BA opens the fast-track period, counted from the hub's receipt")
    func consentRequestOpensThePeriod() throws {
        let (message, envelope) = inbound(try example("employment.consent-requested.v1"))
        let plan = planner.plan(decide(message), now: Date(), capacity: room, incidents: always)
        #expect(plan.outcome == .delivered)
        let notices = plan.outputs.filter { $0.routingKey == "hub.deadlines" }
        #expect(notices.count == 1)
        #expect(notices.first?.exchange == "case.deliver")
        #expect(notices.first?.message.properties.userID == "drehscheibe-router")
        let opened = openings(notice(in: plan))
        #expect(opened.map(\.rule) == ["beschv-36-2-fast-track"])
        let opening = try #require(opened.first)
        let rule = try #require(deadlines.rule("beschv-36-2-fast-track"))
        let period = LegalPeriod.compute(rule, received: message.receivedAt, seat: deadlines.seats.seat(of: "ba"), holidays: deadlines.holidays)
        #expect(opening.actor == "ba")
        #expect(opening.requester == "av.neu-delhi")
        #expect(opening.caseID == envelope["subject"]?.stringValue)
        #expect(opening.requestMessageID == envelope["id"]?.stringValue)
        #expect(opening.requestID == envelope["data"]?.objectValue?["requestId"]?.stringValue)
        #expect(opening.received.epochMilliseconds == message.receivedAt.epochMilliseconds)
        #expect(opening.due.epochMilliseconds == period.due.epochMilliseconds)
        #expect(opening.dueDate == period.dueDate)
        // The example's dueat was written for another day: reported, not believed.
        #expect(opening.claimedDue == envelope["dueat"]?.stringValue)
        #expect(opening.claimedDueDisagrees)
    }

    @Test("the two-week period without fast track; the same request id from another case opens its own")
    func twoWeeksWithoutFastTrack() throws {
        var envelope = try example("employment.consent-requested.v1")
        var data = try #require(envelope["data"]?.objectValue)
        data["fastTrack"] = false
        envelope["data"] = .object(data)
        let plan = planner.plan(decide(inbound(envelope).0), now: Date(), capacity: room, incidents: always)
        #expect(openings(notice(in: plan)).map(\.rule) == ["beschv-36-2"])
    }

    @Test("a copy held back for a full inbox opens no period yet; a full deadline queue holds the whole message back")
    func heldBackCopies() throws {
        let decision = decide(inbound(try example("employment.consent-requested.v1")).0)
        var baFull = room
        baFull.record(QueueCapacity.inbox(of: "ba"), depth: 10)
        let held = planner.plan(decision, now: Date(), capacity: baFull, incidents: always)
        #expect(notice(in: held) == nil)
        #expect(held.outputs.map(\.exchange) == ["case.retry"])
        var queueFull = room
        queueFull.record("hub.deadlines", depth: 10)
        let waiting = planner.plan(decision, now: Date(), capacity: queueFull, incidents: always)
        #expect(waiting.outcome == .retried)
        #expect(waiting.outputs.map(\.exchange) == ["case.retry"])
        #expect(waiting.failure?.detail == "deliver.deadlines-full")
    }

    @Test("a visa consultation opens one period per consulted security agency (Art. 22 Visa Code)")
    func consultationOpensOnePerAgency() throws {
        let plan = planner.plan(decide(inbound(try example("security.check-requested.v1", "valid-visa.json")).0), now: Date(), capacity: room, incidents: always)
        let opened = openings(notice(in: plan))
        let delivered = plan.outputs.filter { $0.exchange == "case.deliver" && $0.routingKey != "hub.deadlines" }.map(\.routingKey)
        #expect(Set(opened.map(\.actor)) == Set(delivered))
        #expect(Set(opened.map(\.actor)).isSuperset(of: ["bka", "bfv", "bpol"]))
        #expect(opened.allSatisfy { $0.rule == "visakodex-22" && $0.requester == "bva" })
        // A consultation for a residence title keeps no Art. 22 period.
        let plan2 = planner.plan(decide(inbound(try example("security.check-requested.v1", "valid-abh-request.json")).0), now: Date(), capacity: room, incidents: always)
        #expect(notice(in: plan2) == nil)
    }

    @Test("the BA's decision answers both consent rules; a message no rule names carries no notice")
    func answersAndOthers() throws {
        let plan = planner.plan(decide(inbound(try example("employment.consent-decided.v1")).0), now: Date(), capacity: room, incidents: always)
        guard case .answered(let answer)? = notice(in: plan)?.events.first else {
            Issue.record("no answer in the notice")
            return
        }
        #expect(answer.sender == "ba")
        #expect(Set(answer.rules) == ["beschv-36-2", "beschv-36-2-fast-track"])
        #expect(answer.requestID == "19bfba83-f0e2-5017-8eef-c2a2bff3fe57")
        let other = planner.plan(decide(inbound(try example("visa.application-submitted.v1")).0), now: Date(), capacity: room, incidents: always)
        #expect(notice(in: other) == nil)
    }

    @Test("the requester's withdrawal is noticed; the catalogue routes it to the addressees")
    func withdrawal() throws {
        let plan = planner.plan(
            decide(inbound(try example("case.request-withdrawn.v1", "valid-employment-consent-abh-berlin.json")).0), now: Date(), capacity: room,
            incidents: always)
        #expect(plan.outcome == .delivered)
        guard case .withdrawn(let withdrawal)? = notice(in: plan)?.events.first else {
            Issue.record("no withdrawal in the notice")
            return
        }
        #expect(withdrawal.sender == "abh.berlin")
        #expect(Set(withdrawal.rules) == Set(deadlines.rules.map(\.id)))
        #expect(plan.outputs.contains { $0.routingKey == "ba" })
    }

    @Test("a notice reads back as written")
    func noticeRoundTrip() throws {
        let plan = planner.plan(decide(inbound(try example("security.check-requested.v1", "valid-visa.json")).0), now: Date(), capacity: room, incidents: always)
        let read = try #require(notice(in: plan))
        #expect(DeadlineNotice(bytes: read.serialized) == read)
        #expect(DeadlineNotice(bytes: Array("{\"version\":2,\"events\":[]}".utf8)) == nil)
        #expect(DeadlineNotice(bytes: Array("not json".utf8)) == nil)
    }

    @Test("each rule's deemed outcome is admitted from the hub and routed to the requester and the silent actor", arguments: [
        ("employment.consent-requested.v1", "valid-fast-track.json"),
        ("visa.abh-consent-requested.v1", nil),
        ("security.check-requested.v1", "valid-visa.json"),
    ] as [(String, String?)])
    func deemedOutcomesRoute(_ folder: String, _ file: String?) throws {
        var envelope = try example(folder, file)
        if folder == "visa.abh-consent-requested.v1", var data = envelope["data"]?.objectValue {
            data["securityConsultation"] = true
            envelope["data"] = .object(data)
        }
        let plan = planner.plan(decide(inbound(envelope).0), now: Date(), capacity: room, incidents: always)
        let opened = openings(notice(in: plan))
        #expect(!opened.isEmpty)
        for opening in opened {
            let stored = Deadline(
                id: opening.id, rule: opening.rule, caseID: opening.caseID, requestMessageID: opening.requestMessageID, requestID: opening.requestID,
                requester: opening.requester, actor: opening.actor, received: opening.received, due: opening.due, dueDate: opening.dueDate.description,
                identifiers: JSONValue.object(opening.identifiers).serializedString(), state: .deeming)
            // A moment a hair before a whole second: the envelope's time (formatted) and the AMQP
            // timestamp (whole seconds) must still name the same second.
            let hub = HubEvents(catalogue: sharedRules.catalogue, routerUser: "drehscheibe-router")
            let message = try DeemedOutcome.message(for: stored, rules: deadlines, hub: hub, now: opening.due.addingTimeInterval(61.9999)).get()
            #expect(message.properties.messageID == stored.deemedOutcomeMessageID)
            let arrived = Inbound(
                body: message.body, properties: message.properties, exchange: "case.ingress", routingKey: message.properties.type ?? "",
                redelivered: false, receivedAt: Date())
            let decision = decide(arrived)
            guard case .routed(let routed) = decision.kind else {
                Issue.record("the deemed outcome of \(opening.rule) was refused: \(decision.kind)")
                continue
            }
            #expect(decision.context.sender == "hub")
            let recipients = Set(routed.copies.map(\.recipient))
            #expect(recipients.contains(opening.requester), "\(opening.rule): \(recipients)")
            #expect(recipients.contains(opening.actor), "\(opening.rule): \(recipients)")
            // Delivered, it ends its deadline in the store (in the same transaction as its copies).
            let plan = planner.plan(decision, now: Date(), capacity: room, incidents: always)
            let events = notice(in: plan)?.events ?? []
            guard events.count == 1, case .deemed(let ended) = events[0] else {
                Issue.record("\(opening.rule): the delivered outcome's notice is \(events)")
                continue
            }
            #expect(ended.deadlineID == opening.id)
            #expect(ended.messageID == stored.deemedOutcomeMessageID)
        }
    }
}

@Suite("Deadline clock (pure)")
struct DeadlineClockTests {
    @Test("the offset file moves the clock; a missing or hostile file counts as no offset, never traps", arguments: [
        ("86400\n", 86_400.0), ("", 0), ("nan", 0), ("inf", 0), ("-inf", 0), ("1e400", 0), ("12 days", 0), ("1e300", 3.2e9), ("-1e300", -3.2e9),
    ])
    func offsetFile(_ text: String, _ expected: Double) throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("clock-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let before = Date()
        let offset = DeadlineClock.offset(fromFile: path).now().timeIntervalSince(before)
        #expect(abs(offset - expected) < 5, "\(text): \(offset)")
        #expect(abs(DeadlineClock.offset(fromFile: path + ".missing").now().timeIntervalSinceNow) < 5)
    }
}
