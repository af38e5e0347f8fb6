import AMQP
import CaseModel
import Foundation
@testable import Router
import Store
import Testing

/// What a decision's transaction publishes and records, planned without a broker.
@Suite("Delivery planner (pure, no broker)")
struct DeliveryPlannerTests {
    let pipeline = Pipeline(rules: sharedRules)
    let configuration: RouterConfiguration
    let planner: DeliveryPlanner
    let now = Date()
    let room = QueueCapacity(inboxHighWater: 10, deadLettersHighWater: 10)

    init() throws {
        configuration = RouterConfiguration(
            connection: try ConnectionConfiguration(url: "amqp://drehscheibe-router:x@127.0.0.1/drehscheibe"),
            retry: RetryPolicy(tiers: ["5s", "30s"], maximumAttempts: 3), schemasDirectory: schemasDirectory)
        planner = DeliveryPlanner(configuration: configuration, catalogue: sharedRules.catalogue)
    }

    func decide(_ inbound: Inbound) -> Decision { RouterTests.decide(inbound, with: pipeline) }

    func full(_ agencies: String...) -> QueueCapacity {
        var capacity = room
        for agency in agencies { capacity.record(QueueCapacity.inbox(of: agency), depth: 10) }
        return capacity
    }

    let always: DeliveryPlanner.IncidentGate = { _, _ in true }

    @Test("a routed message: a copy for each recipient to case.deliver, recorded as delivered")
    func routed() throws {
        let decision = decide(inbound(try example("visa.application-submitted.v1")).0)
        let plan = planner.plan(decision, now: now, capacity: room, incidents: always)
        #expect(plan.outcome == .delivered)
        #expect(Set(plan.outputs.map(\.routingKey)) == ["bva", "aa"])
        #expect(plan.outputs.allSatisfy { $0.exchange == "case.deliver" && $0.mandatory })
        guard case .delivered(let deliveries)? = plan.record?.outcome else { Issue.record("not recorded as delivered"); return }
        #expect(Set(deliveries.map(\.recipient)) == ["bva", "aa"])
        // The record names each copy's legal basis, the one its message carries as legalpurpose.
        for delivery in deliveries {
            let output = try #require(plan.outputs.first { $0.routingKey == delivery.recipient })
            #expect(delivery.legalBasis != nil)
            #expect(delivery.legalBasis == output.message.properties.headers?["ce-legalpurpose"]?.stringValue)
        }
    }

    @Test("a full inbox: the other copies go out, the full one is retried owed to it alone")
    func oneInboxFull() throws {
        let decision = decide(inbound(try example("visa.application-submitted.v1")).0)
        let plan = planner.plan(decision, now: now, capacity: full("aa"), incidents: always)
        #expect(plan.outcome == .delivered)
        #expect(plan.outputs.map(\.exchange) == ["case.deliver", "case.retry"])
        #expect(plan.outputs[0].routingKey == "bva")
        let retry = plan.outputs[1].message.properties.headers
        #expect(retry?[HubHeader.pendingRecipients]?.stringValue == "aa")
        #expect(retry?[HubHeader.retryTier]?.stringValue == "5s")
        #expect(retry?[HubHeader.errorDetail]?.stringValue == "deliver.inbox-full")
        guard case .delivered(let deliveries)? = plan.record?.outcome else { Issue.record("not recorded as delivered"); return }
        #expect(deliveries.map(\.recipient) == ["bva"])
    }

    @Test("every inbox full: only a retry, nothing recorded yet")
    func allInboxesFull() throws {
        let decision = decide(inbound(try example("visa.application-submitted.v1")).0)
        let plan = planner.plan(decision, now: now, capacity: full("aa", "bva"), incidents: always)
        #expect(plan.outcome == .retried)
        #expect(plan.outputs.map(\.exchange) == ["case.retry"])
        #expect(plan.outputs[0].message.properties.headers?[HubHeader.pendingRecipients]?.stringValue == "aa,bva")
        #expect(plan.record == nil)
    }

    @Test("out of attempts: a dead letter per recipient still owed, addressed as its copy, and a receipt for the sender")
    func outOfAttempts() throws {
        let envelope = try example("visa.application-submitted.v1")
        let (retried, _) = inbound(envelope, userID: "drehscheibe-router") { properties in
            properties.headers?[HubHeader.sender] = .string(sender(of: envelope))
            properties.headers?[HubHeader.attempts] = .int64(2)
            properties.headers?[HubHeader.pendingRecipients] = "aa,bva"
        }
        let plan = planner.plan(decide(retried), now: now, capacity: full("aa", "bva"), incidents: always)
        #expect(plan.outcome == .deadLettered)
        let letters = plan.outputs.filter { $0.exchange == "case.dead" }
        #expect(letters.map(\.routingKey) == ["aa", "bva"])
        for letter in letters {
            let headers = letter.message.properties.headers
            #expect(headers?[HubHeader.originalExchange]?.stringValue == "case.deliver")
            #expect(headers?[HubHeader.originalRoutingKey]?.stringValue == letter.routingKey)
            #expect(headers?[HubHeader.errorCode]?.stringValue == "delivery-failed")
            #expect(headers?[HubHeader.attempts]?.int64Value == 3)
            #expect(headers?[HubHeader.sender]?.stringValue == sender(of: envelope))
        }
        #expect(plan.outputs.contains { $0.exchange == "case.deliver" && $0.routingKey == sender(of: envelope) }, "receipt")
        #expect(plan.failure?.reason.hasPrefix("After 3 attempts") == true)
        // The receipt counts them alike.
        let receipt = try #require(plan.outputs.first { $0.exchange == "case.deliver" && $0.routingKey == sender(of: envelope) })
        #expect(String(decoding: receipt.message.body, as: UTF8.self).contains("\"attempts\":3"))
    }

    @Test("a forged sender: dead letter, receipt, and a BSI incident while the budget and the BSI's inbox allow")
    func incidents() throws {
        let decision = decide(inbound(try example("visa.application-submitted.v1"), userID: "av.lagos").0)
        let reported = planner.plan(decision, now: now, capacity: room, incidents: always)
        #expect(reported.outputs.map(\.routingKey).contains("bsi"))
        #expect(reported.outputs.first?.exchange == "case.dead")
        let held = planner.plan(decision, now: now, capacity: room, incidents: { _, _ in false })
        #expect(!held.outputs.map(\.routingKey).contains("bsi"))
        let bsiFull = planner.plan(decision, now: now, capacity: full("bsi"), incidents: always)
        #expect(!bsiFull.outputs.map(\.routingKey).contains("bsi"))
        let senderFull = planner.plan(decision, now: now, capacity: full("av.lagos"), incidents: always)
        #expect(!senderFull.outputs.map(\.routingKey).contains("av.lagos"), "no receipt into a full inbox")
        #expect(senderFull.outputs.first?.exchange == "case.dead", "the dead letter regardless")
    }

    @Test("a duplicate publishes and records nothing")
    func duplicate() throws {
        let decision = decide(inbound(try example("visa.application-submitted.v1")).0).with(kind: .duplicate)
        let plan = planner.plan(decision, now: now, capacity: room, incidents: always)
        #expect(plan.outcome == .duplicate)
        #expect(plan.outputs.isEmpty)
        #expect(plan.record == nil)
    }
}
