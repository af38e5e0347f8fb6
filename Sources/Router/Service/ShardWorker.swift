import AMQP
import CaseModel
import Foundation
import Logging
import ServiceLifecycle
import Store
import Synchronization

/// Routes the messages of one shard queue, exactly once against crashes of the router.
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
    let ledger: any RoutingLedger
    let recent: RecentlyDelivered
    /// Committed decisions for the router's ledger task.
    let unrecorded: RecordQueue
    /// How full the inboxes and the dead letters are (see ``QueueCapacity``).
    let capacity: CapacityWatch
    /// Which security incidents are reported singly and which summarised (``IncidentBudget``).
    let incidents: IncidentLedger
    let logger: Logger
    let metrics: RouterMetrics

    /// One input and what the stages decided about it. A class: an item is handed from the
    /// decide step to the transaction to the ledger, and copying a struct of this many references
    /// (the delivery, its properties, the context, the routed copies) cost a retain each time.
    final class Item: Sendable {
        enum Kind: Sendable {
            case routed(Pipeline.Routed)
            /// Already delivered earlier (dedupe).
            case duplicate
            /// Refused by a stage: dead-letter it (or retry it, when transient).
            case failed(RouterFailure)
        }

        let delivery: Delivery
        let inbound: Inbound
        let context: MessageContext
        let kind: Kind

        init(delivery: Delivery, inbound: Inbound, context: MessageContext, kind: Kind) {
            self.delivery = delivery
            self.inbound = inbound
            self.context = context
            self.kind = kind
        }

        /// This item, decided otherwise.
        func with(kind: Kind, context: MessageContext? = nil) -> Item {
            Item(delivery: delivery, inbound: inbound, context: context ?? self.context, kind: kind)
        }
    }

    /// An item with the messages its transaction publishes and what to record once committed.
    /// A class for the reason ``Item`` is one.
    final class Planned: Sendable {
        let item: Item
        let outputs: [OutgoingMessage]
        let record: RoutingRecord?
        /// The metric outcome: delivered, duplicate, retried, dead-lettered.
        let outcome: String
        let stage: String
        let failure: RouterFailure?
        let context: MessageContext

        init(item: Item, outputs: [OutgoingMessage], record: RoutingRecord?, outcome: String, stage: String, failure: RouterFailure? = nil, context: MessageContext) {
            self.item = item
            self.outputs = outputs
            self.record = record
            self.outcome = outcome
            self.stage = stage
            self.failure = failure
            self.context = context
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
            let decided = DecidedQueue<Item>(recent: recent)
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
        // the broker's commit costs about the same per message (0.6 ms each, 22 ms for 32,
        // 74 ms for 128 on the benchmark machine), but fewer commits leave fewer gaps between
        // them. Capped at 32 the drain ran at 4,200–4,460 msg/s, at 128 at 5,010–5,280.
        let limit = max(1, Int(configuration.prefetch) / 2)
        while true {
            await waitForLedger(logger: logger)
            guard let items = await decided.next(limit: limit, bytes: configuration.transactionBytes) else { return }
            let capacity = try await roomFor(items, logger: logger)
            let now = Date()
            let planned = items.map { plan($0, now: now, capacity: capacity) }
            metrics.transactionStarted(at: now, arrivals: items.lazy.map(\.inbound.receivedAt))
            let records = try await finish(planned, on: channel, now: now, logger: logger)
            decided.committed(Set(records.lazy.compactMap(\.deliveredKey)))
            unrecorded.append(records)
            await reportHeldIncidents(now: now, capacity: capacity, on: channel, logger: logger)
        }
    }

    /// Waits while the ledger is too far behind (see ``RecordQueue``); the inputs meanwhile stay
    /// unacknowledged and the broker holds back the rest.
    private func waitForLedger(logger: Logger) async {
        let started = ContinuousClock.now
        let waited = await unrecorded.waitForRoom {
            logger.warning("the ledger is behind; commits wait until it has written", metadata: ["router.ledger.backlog": "\(unrecorded.capacity)"])
        }
        if waited { logger.notice("the ledger caught up; commits go on", metadata: ["router.waited": "\(ContinuousClock.now - started)"]) }
    }

    /// Publishes the summaries of incidents held back in windows that have ended, in a
    /// transaction of their own (the BSI's inbox permitting).
    private func reportHeldIncidents(now: Date, capacity: QueueCapacity, on channel: Channel, logger: Logger) async {
        let reports = incidents.due(now: now)
        guard !reports.isEmpty else { return }
        let hub = HubEvents(catalogue: rules.pipeline.rules.catalogue, routerUser: configuration.pipeline.brokerUser)
        let messages = reports.compactMap { hub.incidentSummary($0, now: now) }.map {
            OutgoingMessage(exchange: configuration.deliverExchange, routingKey: "bsi", message: $0, mandatory: true)
        }
        guard !capacity.isFull(recipient: "bsi") else {
            logger.error("incident summaries not sent: the BSI's inbox is full", metadata: ["router.incidents": "\(reports.reduce(0) { $0 + $1.occurrences })"])
            return
        }
        do {
            _ = try await channel.commit(publishing: messages, acknowledging: [])
            for report in reports {
                logger.warning("security incidents summarised for the BSI", metadata: [
                    "router.incident.kind": "\(report.key.kind)", "message.sender": "\(report.key.sender ?? "unknown")",
                    "router.incident.occurrences": "\(report.occurrences)",
                ])
            }
        } catch {
            logger.error("incident summaries not sent", metadata: ["router.error": "\(error)"])
        }
    }

    /// The capacity of the queues `items` write to, each looked at once before the first write;
    /// while the dead letters are full and an item may be dead-lettered, waits (a dead letter
    /// published into a full queue would be dropped: see ``QueueCapacity``).
    private func roomFor(_ items: [Item], logger: Logger) async throws -> QueueCapacity {
        var recipients: Set<String> = []
        for item in items {
            if case .routed(let routed) = item.kind { recipients.formUnion(routed.copies.map(\.recipient)) }
            if let sender = item.context.sender { recipients.insert(sender) }
        }
        var capacity = await self.capacity.knowing(recipients.map(QueueCapacity.inbox(of:)) + [configuration.deadLetterQueue])
        let mayDeadLetter = items.contains { if case .failed = $0.kind { true } else { false } }
        guard mayDeadLetter, capacity.deadLettersFull else { return capacity }
        logger.error("the dead letters are full; commits wait until the operations service has stored some", metadata: [
            "amqp.queue": "\(configuration.deadLetterQueue)", "router.high_water": "\(configuration.deadLettersHighWater)",
        ])
        while capacity.deadLettersFull {
            try await Task.sleep(for: .seconds(1))
            capacity = await self.capacity.current
        }
        logger.notice("the dead letters have room again; commits go on")
        return capacity
    }

    /// How many of the oldest items go into the next transaction: at most `limit`, and no more
    /// than `bytes` of output, but always at least one.
    static func transactionCount(outputBytes: [Int], limit: Int, bytes: Int) -> Int {
        var total = 0
        for (index, size) in outputBytes.prefix(limit).enumerated() {
            total += size
            if index > 0, total > bytes { return index }
        }
        return min(outputBytes.count, limit)
    }

    /// Commits one decided batch (and the dead letters of copies the broker returned). Returns
    /// the records of what was committed.
    private func finish(_ planned: [Planned], on channel: Channel, now: Date, logger: Logger) async throws -> [RoutingRecord] {
        let (committed, returned) = try await commit(planned, on: channel, logger: logger)
        var records: [RoutingRecord] = []
        var unroutable: [Planned] = []
        let returnedByID = Dictionary(grouping: returned) { $0.message.properties.messageID ?? "" }
        for entry in committed {
            if case .routed(let routed) = entry.item.kind, let back = returnedByID[entry.context.messageID ?? ""], !back.isEmpty {
                // RabbitMQ returns unroutable copies on commit, after the input was acknowledged
                // with it: the dead letter follows in a transaction of its own.
                let recipients = Set(back.map(\.routingKey))
                let failure = RouterFailure.unroutable("route.no-inbox", "No inbox exists for \(recipients.sorted().joined(separator: ", ")).")
                let item = entry.item.with(kind: entry.item.kind, context: routed.context)
                unroutable.append(plan(
                    failed: item, failure, pending: routed.copies.map(\.recipient).filter(recipients.contains), now: now,
                    capacity: await capacity.current))
                continue
            }
            account(entry, logger: logger)
            if let record = entry.record { records.append(record) }
        }
        // Anything else returned is a message of the hub's own (a dead letter, receipt, retry or
        // incident) for which no queue is bound: a broken topology, which only an operator can mend.
        let unroutableIDs = Set(unroutable.compactMap(\.context.messageID))
        for message in returned where !(message.exchange == configuration.deliverExchange && unroutableIDs.contains(message.message.properties.messageID ?? "")) {
            logger.error("the broker returned a message of the router: no queue is bound for it", metadata: [
                "amqp.exchange": "\(message.exchange)", "amqp.routing_key": "\(message.routingKey)", "amqp.reply": "\(message.replyCode) \(message.replyText)",
                "message.id": "\(message.message.properties.messageID ?? "none")", "message.type": "\(message.message.properties.type ?? "none")",
            ])
        }
        if !unroutable.isEmpty {
            do {
                _ = try await channel.commit(publishing: unroutable.flatMap(\.outputs), acknowledging: [])
                for entry in unroutable {
                    account(entry, logger: logger)
                    if let record = entry.record { records.append(record) }
                }
            } catch {
                for entry in unroutable {
                    logger.error("could not dead-letter an unroutable copy", metadata: Self.metadata(entry.context).merging(["router.error": "\(error)"]) { $1 })
                }
            }
        }
        return records
    }

    /// Runs the pure stages and one dedupe lookup for the whole batch.
    private func decide(_ arrivals: [(delivery: Delivery, arrivedAt: Date)], logger: Logger) async -> [Item] {
        let pipeline = rules.pipeline
        var items: [Item?] = Array(repeating: nil, count: arrivals.count)
        var admitted: [(index: Int, inbound: Inbound, context: MessageContext, value: Pipeline.Admitted)] = []
        for (index, (delivery, arrivedAt)) in arrivals.enumerated() {
            let inbound = Inbound(delivery, receivedAt: arrivedAt)
            let (result, context) = pipeline.admit(inbound)
            switch result {
            case .failure(let failure):
                items[index] = Item(delivery: delivery, inbound: inbound, context: context, kind: .failed(failure))
            case .success(let value) where !value.context.isRedelivery && recent.contains(value.dedupeKey):
                items[index] = Item(delivery: delivery, inbound: inbound, context: context, kind: .duplicate)
            case .success(let value):
                admitted.append((index, inbound, context, value))
            }
        }
        var routedAlready: Set<DedupeKey> = []
        var ledgerFailed = false
        if !admitted.isEmpty {
            do {
                routedAlready = try await ledger.deliveredAlready(admitted.filter { !$0.value.context.isRedelivery }.map(\.value.dedupeKey))
            } catch {
                logger.error("ledger lookup failed; retrying the messages later", metadata: ["router.error": "\(error)"])
                ledgerFailed = true
            }
        }
        // A message twice in one batch (a sender that resent quickly) is delivered once.
        var inBatch: Set<DedupeKey> = []
        for entry in admitted {
            let delivery = arrivals[entry.index].delivery
            if ledgerFailed {
                let failure = RouterFailure(code: "internal", detail: "ledger.unavailable", stage: .dedupe, reason: "The routing ledger could not be read.", retryable: true)
                items[entry.index] = Item(delivery: delivery, inbound: entry.inbound, context: entry.context, kind: .failed(failure))
                continue
            }
            let key = entry.value.dedupeKey
            if !entry.value.context.isRedelivery, routedAlready.contains(key) || !inBatch.insert(key).inserted {
                items[entry.index] = Item(delivery: delivery, inbound: entry.inbound, context: entry.context, kind: .duplicate)
                continue
            }
            switch pipeline.route(entry.value) {
            case .failure(let failure):
                items[entry.index] = Item(delivery: delivery, inbound: entry.inbound, context: entry.context, kind: .failed(failure))
            case .success(let routed):
                items[entry.index] = Item(delivery: delivery, inbound: entry.inbound, context: routed.context, kind: .routed(routed))
            }
        }
        return items.compactMap { $0 }
    }

    /// What an item's transaction publishes. Copies for a full inbox are not published: they
    /// go to the retry tiers, owed to those recipients alone (``QueueCapacity``).
    private func plan(_ item: Item, now: Date, capacity: QueueCapacity) -> Planned {
        switch item.kind {
        case .duplicate:
            return Planned(item: item, outputs: [], record: nil, outcome: "duplicate", stage: Stage.dedupe.rawValue, context: item.context)
        case .routed(let routed):
            let full = capacity.full(routed.copies.map(\.recipient))
            let copies = routed.copies.filter { !full.contains($0.recipient) }
            var outputs = copies.map {
                OutgoingMessage(exchange: configuration.deliverExchange, routingKey: $0.recipient, message: $0.message, mandatory: true)
            }
            guard !full.isEmpty else {
                let record = record(item, now: now, outcome: .delivered(copies.map {
                    RoutingRecord.Delivery(recipient: $0.recipient, projection: $0.projection, type: $0.type)
                }))
                return Planned(item: item, outputs: outputs, record: record, outcome: "delivered", stage: Stage.deliver.rawValue, context: routed.context)
            }
            let failure = RouterFailure(
                code: "delivery-failed", detail: "deliver.inbox-full", stage: .deliver,
                reason: "The inbox of \(full.sorted().joined(separator: ", ")) holds \(configuration.inboxHighWater) messages or more: its adapter does not take them.",
                retryable: true)
            let later = plan(failed: item.with(kind: item.kind, context: routed.context), failure, pending: full.sorted(), now: now, capacity: capacity)
            outputs += later.outputs
            guard !copies.isEmpty else { return later }
            let record = record(item, now: now, outcome: .delivered(copies.map {
                RoutingRecord.Delivery(recipient: $0.recipient, projection: $0.projection, type: $0.type)
            }))
            return Planned(item: item, outputs: outputs, record: record, outcome: "delivered", stage: Stage.deliver.rawValue, context: routed.context)
        case .failed(let failure):
            return plan(failed: item, failure, pending: item.context.pendingRecipients.map(Array.init) ?? [], now: now, capacity: capacity)
        }
    }

    /// A transient failure goes to the next retry tier; a permanent one, or one out of tiers,
    /// is dead-lettered with a receipt for the sender and, when security-relevant, an incident
    /// for the BSI.
    private func plan(failed item: Item, _ failure: RouterFailure, pending: [String], now: Date, capacity: QueueCapacity) -> Planned {
        var failure = failure
        var context = item.context
        if context.firstFailure == nil { context.firstFailure = now }
        if failure.retryable {
            if let tier = configuration.retry.tier(afterAttempts: context.attempts + 1) {
                let message = configuration.retry.retryMessage(
                    for: item.inbound, failure: failure, context: context, tier: tier, pending: pending, now: now,
                    routerUser: configuration.pipeline.brokerUser)
                let output = OutgoingMessage(
                    exchange: configuration.retryExchange, routingKey: context.originalRoutingKey ?? item.inbound.routingKey,
                    message: message, mandatory: true)
                return Planned(
                    item: item, outputs: [output], record: nil, outcome: "retried", stage: failure.stage.rawValue, failure: failure,
                    context: context)
            }
            context.attempts += 1
            failure.retryable = false
            failure.reason = "After \(context.attempts) attempts: \(failure.reason)"
        }
        let pipeline = rules.pipeline
        // A failure owed to certain recipients (a full or missing inbox, a replay for one agency)
        // is dead-lettered once for each of them, addressed as their copy was: replaying such a
        // letter sends the message through the router to that recipient again.
        let letters = pending.isEmpty ? [context] : pending.map { recipient in
            var copy = context
            copy.originalExchange = configuration.deliverExchange
            copy.originalRoutingKey = recipient
            return copy
        }
        var outputs = letters.map { letter in
            OutgoingMessage(
                exchange: configuration.deadExchange, routingKey: letter.originalRoutingKey ?? item.inbound.routingKey,
                message: DeadLetter.message(for: item.inbound, failure: failure, context: letter, now: now, routerUser: configuration.pipeline.brokerUser),
                mandatory: true)
        }
        let hub = HubEvents(catalogue: pipeline.rules.catalogue, routerUser: configuration.pipeline.brokerUser)
        // A receipt or incident for a full inbox would be dropped by the broker; the dead letter
        // records the failure either way.
        if let receipt = hub.receipt(for: failure, inbound: item.inbound, context: context, now: now), !capacity.isFull(recipient: receipt.recipient) {
            outputs.append(OutgoingMessage(exchange: configuration.deliverExchange, routingKey: receipt.recipient, message: receipt.message, mandatory: true))
        }
        if let kind = failure.incident,
           incidents.admit(.init(sender: context.sender, kind: kind), messageID: context.messageID ?? "unknown", now: now) != nil,
           let incident = hub.incident(for: failure, inbound: item.inbound, context: context, now: now), !capacity.isFull(recipient: "bsi")
        {
            outputs.append(OutgoingMessage(exchange: configuration.deliverExchange, routingKey: "bsi", message: incident, mandatory: true))
        }
        let record = record(item, context: context, now: now, outcome: .deadLettered(code: failure.code, stage: failure.stage.rawValue, reason: failure.reason))
        return Planned(item: item, outputs: outputs, record: record, outcome: "dead-lettered", stage: failure.stage.rawValue, failure: failure, context: context)
    }

    /// Commits the batch. While the broker blocks publishing the commit waits and tries again;
    /// when a delivery is from before a reconnect (the broker redelivers it), the batch is
    /// committed item by item without the stale ones. Returns what was committed and the
    /// copies the broker returned; nothing when the connection went down (every input of the
    /// batch comes again).
    private func commit(_ planned: [Planned], on channel: Channel, logger: Logger) async throws -> ([Planned], [ReturnedMessage]) {
        while true {
            do {
                let started = ContinuousClock.now
                let returned = try await channel.commit(publishing: planned.flatMap(\.outputs), acknowledging: planned.map(\.item.delivery))
                metrics.committed(in: ContinuousClock.now - started)
                return (planned, returned)
            } catch let error as AMQPError where error.code == .blocked {
                logger.warning("the broker blocks publishing; the batch waits", metadata: ["router.error": "\(error)"])
                try await Task.sleep(for: .seconds(1))
            } catch let error as AMQPError where error.code == .staleDelivery && planned.count > 1 {
                var committed: [Planned] = []
                var returned: [ReturnedMessage] = []
                for entry in planned {
                    let (done, back) = try await commit([entry], on: channel, logger: logger)
                    committed += done
                    returned += back
                }
                return (committed, returned)
            } catch let error as AMQPError where [.staleDelivery, .connectionLost, .notConnected].contains(error.code) {
                logger.warning("not committed; the broker redelivers the inputs", metadata: ["router.error": "\(error)", "router.batch": "\(planned.count)"])
                return ([], [])
            }
        }
    }

    /// Logs and counts a committed item.
    private func account(_ entry: Planned, logger: Logger) {
        switch entry.outcome {
        case "duplicate":
            logger.debug("duplicate ignored", metadata: Self.metadata(entry.context))
        case "delivered":
            if case .routed(let routed) = entry.item.kind {
                metrics.copies(routed.copies.count, type: routed.copies.first?.type ?? "unknown")
            }
        case "retried":
            logger.info("retry scheduled", metadata: Self.metadata(entry.context).merging(["router.detail": "\(entry.failure?.detail ?? "")"]) { $1 })
        default:
            if let failure = entry.failure {
                logger.warning("dead-lettered", metadata: Self.metadata(entry.context).merging([
                    "router.error.code": "\(failure.code)", "router.error.detail": "\(failure.detail)", "router.stage": "\(failure.stage.rawValue)",
                ]) { $1 })
            }
        }
        metrics.message(outcome: entry.outcome, stage: entry.stage, type: entry.context.eventType)
        metrics.latency(seconds: Date().timeIntervalSince(entry.item.inbound.receivedAt), outcome: entry.outcome)
    }

    private func record(_ item: Item, context: MessageContext? = nil, now: Date, outcome: RoutingRecord.Outcome) -> RoutingRecord {
        let context = context ?? item.context
        return RoutingRecord(
            messageID: context.messageID ?? "unknown", eventType: context.eventType, caseID: context.caseID, source: context.source,
            sender: context.sender, receivedAt: item.inbound.receivedAt, decidedAt: now, replayed: context.replayed, outcome: outcome)
    }

    /// Log metadata: identifiers only (message id, type, case id), never content.
    static func metadata(_ context: MessageContext) -> Logger.Metadata {
        var metadata: Logger.Metadata = [:]
        if let id = context.messageID { metadata["message.id"] = "\(id)" }
        if let type = context.eventType { metadata["message.type"] = "\(type)" }
        if let caseID = context.caseID { metadata["case.id"] = "\(caseID)" }
        if let sender = context.sender { metadata["message.sender"] = "\(sender)" }
        return metadata
    }
}

extension Pipeline.Admitted {
    /// The message's key for the dedupe (the envelope's id within its subject, the case).
    fileprivate var dedupeKey: DedupeKey { DedupeKey(messageID: event.id, caseID: event.subject) }
}
