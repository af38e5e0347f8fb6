import AMQP
import CaseModel
import Foundation
import Store

/// Turns a ``Decision`` into its ``DeliveryPlan``: the recipients' copies, retries, dead
/// letters, receipts and BSI incidents one transaction publishes, and the record the ledger
/// keeps. A pure function of the decision, the time, the queues' capacity and whether the
/// incident budget lets an incident through; the shard worker does the I/O.
///
/// - A routed message: a copy per recipient. Copies for a full inbox (``QueueCapacity``) are
///   held back: retried, owed to those recipients alone; the others go out at once.
/// - A transient failure goes to the next retry tier; a permanent one, or one out of tiers, is
///   dead-lettered with a receipt for the sender and, when security-relevant, an incident for
///   the BSI. A failure owed to certain recipients (a full or missing inbox, a replay for one
///   agency) is dead-lettered once for each of them, addressed as their copy was, so replaying
///   such a letter sends the message through the router to that recipient again.
/// - Nothing is published into a full inbox: a receipt or incident for one would be dropped by
///   the broker (the dead letter records the failure either way).
struct DeliveryPlanner: Sendable {
    var deliverExchange: String
    var deadExchange: String
    var retryExchange: String
    var retry: RetryPolicy
    /// The router's broker user, `user_id` of what it publishes.
    var brokerUser: String
    var inboxHighWater: Int
    var hub: HubEvents
    /// Where the deadlines a routed message opens or answers go (``DeadlineNotice``).
    var deadlineQueue: String

    init(configuration: RouterConfiguration, catalogue: EventCatalogue) {
        deliverExchange = configuration.deliverExchange
        deadExchange = configuration.deadExchange
        retryExchange = configuration.retryExchange
        retry = configuration.retry
        brokerUser = configuration.pipeline.brokerUser
        inboxHighWater = configuration.inboxHighWater
        deadlineQueue = configuration.deadlines.queue
        hub = HubEvents(catalogue: catalogue, routerUser: configuration.pipeline.brokerUser, routerVersion: configuration.pipeline.routerVersion)
    }

    /// Whether an incident of this sender and kind is reported now (``IncidentBudget``).
    typealias IncidentGate = (IncidentBudget.Key, _ messageID: String) -> Bool

    func plan(_ decision: Decision, now: Date, capacity: QueueCapacity, incidents: IncidentGate) -> DeliveryPlan {
        switch decision.kind {
        case .duplicate:
            return DeliveryPlan(outputs: [], record: nil, outcome: .duplicate, stage: .dedupe, context: decision.context)
        case .routed(let routed):
            if routed.deadlines != nil, capacity.isFull(queue: deadlineQueue) {
                // A request must not reach its recipient without the deadline it opens.
                let failure = RouterFailure(
                    code: "delivery-failed", detail: "deliver.deadlines-full", stage: .deliver,
                    reason: "The hub's deadline queue \(deadlineQueue) holds \(inboxHighWater) notices or more: the deadline service does not take them.",
                    retryable: true)
                return plan(
                    failed: decision.with(kind: decision.kind, context: routed.context), failure,
                    pending: routed.context.pendingRecipients.map { $0.sorted() } ?? [], now: now, capacity: capacity, incidents: incidents)
            }
            let full = capacity.full(routed.copies.map(\.recipient))
            let copies = routed.copies.filter { !full.contains($0.recipient) }
            var outputs = copies.map { OutgoingMessage(exchange: deliverExchange, routingKey: $0.recipient, message: $0.message, mandatory: true) }
            if let deadlines = routed.deadlines {
                let events = deadlines.events(delivered: copies.map(\.recipient), received: decision.inbound.receivedAt)
                if !events.isEmpty {
                    outputs.append(OutgoingMessage(
                        exchange: deliverExchange, routingKey: deadlineQueue,
                        message: DeadlineNotice(events: events).message(about: routed.context.messageID, routerUser: brokerUser, now: now), mandatory: true))
                }
            }
            let delivered = record(decision, context: routed.context, now: now, outcome: .delivered(copies.map {
                RoutingRecord.Delivery(recipient: $0.recipient, projection: $0.projection, legalBasis: $0.legalBasis, type: $0.type)
            }))
            guard !full.isEmpty else {
                return DeliveryPlan(outputs: outputs, record: delivered, outcome: .delivered, stage: .deliver, context: routed.context)
            }
            let failure = RouterFailure(
                code: "delivery-failed", detail: "deliver.inbox-full", stage: .deliver,
                reason: "The inbox of \(full.sorted().joined(separator: ", ")) holds \(inboxHighWater) messages or more: its adapter does not take them.",
                retryable: true)
            let later = plan(
                failed: decision.with(kind: decision.kind, context: routed.context), failure, pending: full.sorted(), now: now, capacity: capacity,
                incidents: incidents)
            guard !copies.isEmpty else { return later }
            outputs += later.outputs
            return DeliveryPlan(outputs: outputs, record: delivered, outcome: .delivered, stage: .deliver, context: routed.context)
        case .failed(let failure):
            return plan(
                failed: decision, failure, pending: decision.context.pendingRecipients.map { $0.sorted() } ?? [], now: now, capacity: capacity,
                incidents: incidents)
        }
    }

    /// A failure: retried while tiers are left, else dead-lettered (see the type's description).
    func plan(
        failed decision: Decision, _ failure: RouterFailure, pending: [String], now: Date, capacity: QueueCapacity, incidents: IncidentGate
    ) -> DeliveryPlan {
        let inbound = decision.inbound
        var failure = failure
        var context = decision.context
        if context.firstFailure == nil { context.firstFailure = now }
        if failure.retryable {
            if let tier = retry.tier(afterAttempts: context.attempts + 1) {
                let message = retry.retryMessage(
                    for: inbound, failure: failure, context: context, tier: tier, pending: pending, now: now, routerUser: brokerUser)
                let output = OutgoingMessage(
                    exchange: retryExchange, routingKey: context.originalRoutingKey ?? inbound.routingKey, message: message, mandatory: true)
                return DeliveryPlan(outputs: [output], record: nil, outcome: .retried, stage: failure.stage, failure: failure, context: context)
            }
            failure.retryable = false
            failure.reason = "After \(context.attempts + 1) attempts: \(failure.reason)"
        }
        let letters = pending.isEmpty ? [context] : pending.map { recipient in
            var copy = context
            copy.originalExchange = deliverExchange
            copy.originalRoutingKey = recipient
            return copy
        }
        var outputs = letters.map { letter in
            OutgoingMessage(
                exchange: deadExchange, routingKey: letter.originalRoutingKey ?? inbound.routingKey,
                message: DeadLetter.message(for: inbound, failure: failure, context: letter, now: now, routerUser: brokerUser), mandatory: true)
        }
        if let receipt = hub.receipt(for: failure, inbound: inbound, context: context, now: now), !capacity.isFull(recipient: receipt.recipient) {
            outputs.append(OutgoingMessage(exchange: deliverExchange, routingKey: receipt.recipient, message: receipt.message, mandatory: true))
        }
        if let kind = failure.incident, !capacity.isFull(recipient: "bsi"),
           incidents(IncidentBudget.Key(sender: context.sender, kind: kind), context.messageID ?? "unknown"),
           let incident = hub.incident(for: failure, inbound: inbound, context: context, now: now)
        {
            outputs.append(OutgoingMessage(exchange: deliverExchange, routingKey: "bsi", message: incident, mandatory: true))
        }
        let record = record(
            decision, context: context, now: now, outcome: .deadLettered(code: failure.code, stage: failure.stage.rawValue, reason: failure.reason))
        return DeliveryPlan(outputs: outputs, record: record, outcome: .deadLettered, stage: failure.stage, failure: failure, context: context)
    }

    /// The ledger's record of a decision.
    func record(_ decision: Decision, context: MessageContext, now: Date, outcome: RoutingRecord.Outcome) -> RoutingRecord {
        RoutingRecord(
            messageID: context.messageID ?? "unknown", eventType: context.eventType, caseID: context.caseID, source: context.source,
            sender: context.sender, receivedAt: decision.inbound.receivedAt, decidedAt: now, replayed: context.replayed, outcome: outcome)
    }

    /// The summaries of incidents held back, for the BSI's inbox (nothing while it is full).
    func incidentSummaries(_ reports: [IncidentBudget.Report], now: Date, capacity: QueueCapacity) -> [OutgoingMessage] {
        guard !capacity.isFull(recipient: "bsi") else { return [] }
        return reports.compactMap { hub.incidentSummary($0, now: now) }.map {
            OutgoingMessage(exchange: deliverExchange, routingKey: "bsi", message: $0, mandatory: true)
        }
    }
}
