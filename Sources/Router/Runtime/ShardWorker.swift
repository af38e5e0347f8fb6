import AMQP
import CaseModel
import Foundation
import Logging
import ServiceLifecycle
import Store
import Synchronization

/// Routes the messages of one shard queue, exactly once against crashes of the router: the
/// runtime shell that wires the flow's tasks together. Deciding is in ``decide(_:logger:)``
/// (Decide/), planning in ``DeliveryPlanner`` and the transaction in ``finish(_:on:now:logger:)``
/// (Deliver/), recording in ``RecordQueue`` (Record/).
///
/// One task decides the arrivals with the pure stages; another publishes everything the
/// decided items cause (the recipients' copies, dead letters, receipts, BSI incidents, retries)
/// and acknowledges their inputs in one AMQP transaction on the channel they came from
/// (``AMQP/Channel/commit(publishing:acknowledging:)``). A router killed before the commit
/// leaves nothing behind: the broker discards the uncommitted copies and redelivers the
/// inputs, which are routed again. After the commit there is nothing to redo. So no copy
/// reaches an inbox twice — which publisher confirms cannot give: a confirmed copy whose input
/// was not yet acknowledged is published again after a crash (the design before this one).
///
/// Transactions are committed one after the other, in arrival order, so a case's events reach each
/// inbox in order. The router's ledger task records the decisions after the commit; a crash
/// between the two loses those records (never a message): the ledger is the dedupe for senders
/// that resend, and such a resend after the restart would be delivered again.
struct ShardWorker: Sendable {
    let queue: String
    let connection: Connection
    let configuration: RouterConfiguration
    let rules: RulesHolder
    let dedupe: Dedupe
    /// Committed decisions for the router's ledger task.
    let unrecorded: RecordQueue
    /// How full the inboxes and the dead letters are (see ``QueueCapacity``).
    let capacity: CapacityWatch
    /// Which security incidents are reported singly and which summarised (``IncidentBudget``).
    let incidents: IncidentLedger
    let logger: Logger
    let metrics: RouterMetrics

    /// A delivery with its ``Decision``. A class for the reason a decision is one.
    final class Item: Sendable {
        let delivery: Delivery
        let decision: Decision

        init(delivery: Delivery, decision: Decision) {
            self.delivery = delivery
            self.decision = decision
        }
    }

    /// An item with its ``DeliveryPlan``.
    final class Planned: Sendable {
        let item: Item
        let plan: DeliveryPlan

        init(item: Item, plan: DeliveryPlan) {
            self.item = item
            self.plan = plan
        }
    }

    func run() async throws {
        var shardLogger = logger
        shardLogger[metadataKey: "router.queue"] = .string(queue)
        let logger = shardLogger
        let channel = try await connection.openChannel(publisherConfirms: false)
        try await channel.selectTransactions()
        try await channel.setPrefetch(configuration.prefetch)
        // A body over the hub's limit is refused anyway: never hold one whole.
        try await channel.setMaximumBodyBytes(UInt64(configuration.pipeline.maximumBytes))
        let arrived = ArrivalBuffer()
        let consumer = try await channel.consume(queue: queue, onDelivery: { arrived.append($0) }, onEnd: { arrived.finish(throwing: $0) })
        logger.info("consuming")
        do {
            // Cancelled (another shard failed and the router stops): like a graceful shutdown,
            // take no more and commit what arrived.
            try await withTaskCancellationHandler {
                try await route(arrived, consumer: consumer, on: channel, logger: logger)
            } onCancel: {
                arrived.finish(throwing: nil)
                Task { try? await consumer.cancel() }
            }
        } catch {
            // Whatever is not committed goes back to the queue now, for the next instance.
            try? await channel.close()
            throw error
        }
        try? await channel.close()
        logger.info("drained")
    }

    /// The shard's two tasks: one decides what arrives, the other commits what was decided,
    /// one transaction after the other in arrival order. A finished commit starts the next at
    /// once with everything decided meanwhile (see ``DecidedQueue``).
    private func route(_ arrived: ArrivalBuffer, consumer: ConsumerSubscription, on channel: Channel, logger: Logger) async throws {
        try await withGracefulShutdownHandler {
            let decided = DecidedQueue<Item>(recent: dedupe.recent)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    do {
                        try await commitAll(decided, on: channel, logger: logger)
                    } catch {
                        // Stop deciding too; the worker fails and closes its channel.
                        arrived.finish(throwing: error)
                        throw error
                    }
                }
                do {
                    // Small chunks: the commit task takes what is decided so far, and a chunk
                    // occupies one of the few threads while it is decided.
                    while let batch = try await arrived.next(limit: Self.decideLimit) {
                        decided.append(await decide(batch, logger: logger))
                    }
                } catch {
                    // What was decided is not committed: its inputs come again.
                    decided.abandon()
                    throw error
                }
                decided.finish()
                try await group.waitForAll()
            }
        } onGracefulShutdown: {
            // Stop taking new messages; what arrived is committed before we return, also when
            // the ledger is behind.
            unrecorded.draining()
            Task { try? await consumer.cancel() }
        }
    }

    /// Deliveries decided together (one ledger lookup each).
    static let decideLimit = 32

    /// Commits what is decided until the queue is finished; hands the records to the ledger's task.
    private func commitAll(_ decided: DecidedQueue<Item>, on channel: Channel, logger: Logger) async throws {
        // A transaction carries at most half the prefetch: its inputs stay unacknowledged
        // until it commits, and the next ones arrive within the other half. Under steady
        // load a transaction holds what was decided during the last commit (a few messages);
        // the limit matters only for a backlog, where large transactions drain it fastest:
        // the broker's commit costs about the same per message, but fewer commits leave fewer
        // gaps between them (docs/benchmarks.md).
        let limit = max(1, Int(configuration.prefetch) / 2)
        while true {
            await waitForLedger(logger: logger)
            guard let items = await decided.next(limit: limit, bytes: configuration.transactionBytes) else { return }
            let capacity = try await roomFor(items, logger: logger)
            let now = Date()
            let planner = self.planner
            let planned = items.map { Planned(item: $0, plan: planner.plan($0.decision, now: now, capacity: capacity, incidents: admitIncident(now: now))) }
            metrics.transactionStarted(at: now, arrivals: items.lazy.map(\.decision.inbound.receivedAt))
            let records = try await finish(planned, on: channel, now: now, logger: logger)
            decided.committed(Set(records.lazy.compactMap(\.deliveredKey)))
            unrecorded.append(records)
            await reportHeldIncidents(now: now, capacity: capacity, on: channel, logger: logger)
        }
    }

    /// The planner with the rules in force now (SIGHUP may have reloaded them).
    var planner: DeliveryPlanner { DeliveryPlanner(configuration: configuration, catalogue: rules.pipeline.rules.catalogue) }

    /// The incident budget's answer for one incident (``IncidentBudget``).
    func admitIncident(now: Date) -> DeliveryPlanner.IncidentGate {
        { key, messageID in incidents.admit(key, messageID: messageID, now: now) != nil }
    }
}
