import AMQP
import CaseModel
import Foundation
import Logging
import ServiceLifecycle
import Store
import Synchronization

/// Routes the messages of one shard queue: reads them in order, hands every copy to the
/// broker in that order (so a case's events reach each inbox in order), and acknowledges an
/// input only after every output it caused (copies, dead letter, receipt, retry) was
/// confirmed and the ledger committed its record. A crash at any point leaves the input
/// unacknowledged, so the broker redelivers it: at least once, and the ledger plus the
/// recipients' dedupe by message id keep it to once.
struct ShardWorker: Sendable {
    let queue: String
    let connection: Connection
    let configuration: RouterConfiguration
    let rules: RulesHolder
    let ledger: any RoutingLedger
    let recent: RecentlyDelivered
    let logger: Logger
    let metrics = RouterMetrics()

    func run() async throws {
        var shardLogger = logger
        shardLogger[metadataKey: "router.queue"] = .string(queue)
        let logger = shardLogger
        let input = try await connection.openChannel(publisherConfirms: false)
        try await input.setPrefetch(configuration.prefetch)
        let output = OutputChannel(connection: connection)
        let consumer = try await input.consume(queue: queue)
        logger.info("consuming")
        let inFlight = InFlight()
        let arrived = ArrivalBuffer()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await complete(inFlight, output: output, logger: logger) }
            // The reader only moves deliveries into the buffer, so whatever arrived while the
            // last batch was being started is started together: one ledger lookup per batch
            // instead of one per message.
            group.addTask {
                do {
                    for try await delivery in consumer { arrived.append(delivery) }
                    arrived.finish(throwing: nil)
                } catch {
                    arrived.finish(throwing: error)
                }
            }
            try await withGracefulShutdownHandler {
                while let batch = try await arrived.next(limit: Int(configuration.prefetch)) {
                    for item in await start(batch, output: output, logger: logger) { inFlight.append(item) }
                }
            } onGracefulShutdown: {
                // Stop taking new messages; what is in flight completes before we return.
                Task { try? await consumer.cancel() }
            }
            inFlight.finish()
            try await group.waitForAll()
        }
        try? await input.close()
        await output.close()
        logger.info("drained")
    }

    /// Runs the pure stages, one dedupe lookup for the whole batch, and hands the copies to the
    /// broker in arrival order.
    private func start(_ deliveries: [Delivery], output: OutputChannel, logger: Logger) async -> [InFlight.Item] {
        let pipeline = rules.pipeline
        var items: [InFlight.Item?] = Array(repeating: nil, count: deliveries.count)
        var admitted: [(index: Int, inbound: Inbound, context: MessageContext, value: Pipeline.Admitted)] = []
        for (index, delivery) in deliveries.enumerated() {
            let inbound = Inbound(delivery)
            let (result, context) = pipeline.admit(inbound)
            switch result {
            case .failure(let failure):
                items[index] = InFlight.Item(delivery: delivery, inbound: inbound, context: context, kind: .failed(failure))
            case .success(let value) where recent.contains(value.event.id):
                items[index] = InFlight.Item(delivery: delivery, inbound: inbound, context: context, kind: .duplicate)
            case .success(let value):
                admitted.append((index, inbound, context, value))
            }
        }
        var routedAlready: Set<String> = []
        var ledgerFailed = false
        if !admitted.isEmpty {
            do {
                routedAlready = try await ledger.deliveredAlready(admitted.map(\.value.event.id))
            } catch {
                logger.error("ledger lookup failed; retrying the messages later", metadata: ["router.error": "\(error)"])
                ledgerFailed = true
            }
        }
        var copies: [OutgoingMessage] = []
        var routedEntries: [(index: Int, inbound: Inbound, routed: Pipeline.Routed, range: Range<Int>)] = []
        for entry in admitted {
            let delivery = deliveries[entry.index]
            if ledgerFailed {
                let failure = RouterFailure(code: "internal", detail: "ledger.unavailable", stage: .dedupe, reason: "The routing ledger could not be read.", retryable: true)
                items[entry.index] = InFlight.Item(delivery: delivery, inbound: entry.inbound, context: entry.context, kind: .failed(failure))
                continue
            }
            if routedAlready.contains(entry.value.event.id) {
                items[entry.index] = InFlight.Item(delivery: delivery, inbound: entry.inbound, context: entry.context, kind: .duplicate)
                continue
            }
            switch pipeline.route(entry.value) {
            case .failure(let failure):
                items[entry.index] = InFlight.Item(delivery: delivery, inbound: entry.inbound, context: entry.context, kind: .failed(failure))
            case .success(let routed):
                let range = copies.count..<(copies.count + routed.copies.count)
                copies.append(contentsOf: routed.copies.map {
                    OutgoingMessage(exchange: configuration.deliverExchange, routingKey: $0.recipient, message: $0.message, mandatory: true)
                })
                routedEntries.append((entry.index, entry.inbound, routed, range))
            }
        }
        // One hand-over to the I/O thread for the whole batch, in arrival order.
        if !routedEntries.isEmpty {
            let receipt = await output.send(copies)
            for (index, inbound, routed, range) in routedEntries {
                items[index] = InFlight.Item(
                    delivery: deliveries[index], inbound: inbound, context: routed.context, kind: .delivering(routed, receipt, range: range))
            }
        }
        return items.compactMap { $0 }
    }

    /// Finishes items in arrival order: failures become dead letters or retries, the ledger
    /// records the batch, then the inputs are acknowledged.
    private func complete(_ inFlight: InFlight, output: OutputChannel, logger: Logger) async throws {
        while let batch = await inFlight.next(limit: configuration.ledgerBatchSize) {
            var records: [RoutingRecord] = []
            var acknowledge: [(InFlight.Item, String)] = []
            for item in batch {
                let now = Date()
                switch item.kind {
                case .duplicate:
                    acknowledge.append((item, "duplicate"))
                    logger.debug("duplicate ignored", metadata: Self.metadata(item.context))
                case .delivering(let routed, let receipt, let range):
                    let outcomes = await receipt.outcomes(in: range)
                    let failures = zip(routed.copies, outcomes).compactMap { copy, outcome -> (Pipeline.Copy, AMQPError)? in
                        if case .failure(let error) = outcome { return (copy, error) }
                        return nil
                    }
                    if failures.isEmpty {
                        records.append(record(item, now: now, outcome: .delivered(routed.copies.map {
                            RoutingRecord.Delivery(recipient: $0.recipient, projection: $0.projection, type: $0.type)
                        })))
                        acknowledge.append((item, "delivered"))
                        metrics.copies(routed.copies.count, type: routed.copies.first?.type ?? "unknown")
                        continue
                    }
                    if failures.contains(where: { [.connectionLost, .notConnected].contains($0.1.code) }) {
                        // The input came over the same connection: the broker redelivers it.
                        logger.warning("connection lost during delivery; the input will be redelivered", metadata: Self.metadata(item.context))
                        continue
                    }
                    if failures.contains(where: { $0.1.code == .channelClosedByServer || $0.1.code == .channelClosed }) {
                        await output.reopen()
                    }
                    let returned = failures.filter { $0.1.code == .messageReturned }.map(\.0.recipient)
                    let failure: RouterFailure
                    if !returned.isEmpty {
                        failure = .unroutable("route.no-inbox", "No inbox exists for \(returned.joined(separator: ", ")).")
                    } else {
                        failure = RouterFailure(
                            code: "delivery-failed", detail: failures[0].1.code.rawValue, stage: .deliver,
                            reason: "The broker did not take the copy for \(failures.map(\.0.recipient).joined(separator: ", ")): \(failures[0].1.context ?? failures[0].1.code.rawValue)",
                            retryable: true)
                    }
                    let pending = failures.map(\.0.recipient)
                    if let outcome = await fail(item, failure, pending: pending, output: output, now: now, logger: logger) {
                        records.append(outcome)
                        acknowledge.append((item, "dead-lettered"))
                    } else if failure.retryable {
                        acknowledge.append((item, "retried"))
                    }
                case .failed(let failure):
                    if let outcome = await fail(item, failure, pending: item.context.pendingRecipients.map(Array.init) ?? [], output: output, now: now, logger: logger) {
                        records.append(outcome)
                        acknowledge.append((item, "dead-lettered"))
                    } else if failure.retryable {
                        acknowledge.append((item, "retried"))
                    }
                }
            }
            if !records.isEmpty {
                // A ledger that cannot commit must not be acknowledged past: stop, the broker redelivers.
                try await ledger.record(records)
                for record in records { if case .delivered = record.outcome { recent.insert(record.messageID) } }
            }
            for (item, outcome) in acknowledge {
                do { try item.delivery.ack() } catch {
                    logger.debug("acknowledgement refused; the broker redelivers", metadata: ["router.error": "\(error)"])
                }
                let stage: String
                if case .failed(let failure) = item.kind { stage = failure.stage.rawValue } else { stage = Stage.deliver.rawValue }
                metrics.message(outcome: outcome, stage: stage, type: item.context.eventType)
                metrics.latency(seconds: Date().timeIntervalSince(item.inbound.receivedAt), outcome: outcome)
            }
        }
    }

    /// Retries a transient failure through the tiers, or dead-letters (with receipt and, for
    /// security-relevant failures, an incident for the BSI). Returns the ledger record for a
    /// dead letter, nil for a retry or when publishing failed (then the input stays unacked).
    private func fail(
        _ item: InFlight.Item, _ failure: RouterFailure, pending: [String], output: OutputChannel, now: Date, logger: Logger
    ) async -> RoutingRecord? {
        var failure = failure
        var context = item.context
        if context.firstFailure == nil { context.firstFailure = now }
        if failure.retryable {
            if let tier = configuration.retry.tier(afterAttempts: context.attempts + 1) {
                let message = configuration.retry.retryMessage(
                    for: item.inbound, failure: failure, context: context, tier: tier, pending: pending, now: now,
                    routerUser: configuration.pipeline.brokerUser)
                let outcome = await output.publish([OutgoingMessage(
                    exchange: configuration.retryExchange, routingKey: item.inbound.header(HubHeader.originalRoutingKey) ?? item.inbound.routingKey,
                    message: message, mandatory: true)])
                if case .failure(let error) = outcome[0] {
                    logger.error("could not schedule a retry; the input will be redelivered", metadata: Self.metadata(context).merging(["router.error": "\(error)"]) { $1 })
                    return nil
                }
                logger.info("retry scheduled", metadata: Self.metadata(context).merging(["router.retry.tier": "\(tier)", "router.detail": "\(failure.detail)"]) { $1 })
                return nil
            }
            context.attempts += 1
            failure.retryable = false
            failure.reason = "After \(context.attempts) attempts: \(failure.reason)"
        }
        let pipeline = rules.pipeline
        var outputs = [OutgoingMessage(
            exchange: configuration.deadExchange, routingKey: item.inbound.header(HubHeader.originalRoutingKey) ?? item.inbound.routingKey,
            message: DeadLetter.message(for: item.inbound, failure: failure, context: context, now: now, routerUser: configuration.pipeline.brokerUser),
            mandatory: true)]
        let hub = HubEvents(catalogue: pipeline.rules.catalogue, routerUser: configuration.pipeline.brokerUser)
        if let receipt = hub.receipt(for: failure, inbound: item.inbound, context: context, now: now) {
            outputs.append(OutgoingMessage(exchange: configuration.deliverExchange, routingKey: receipt.recipient, message: receipt.message, mandatory: true))
        }
        if let incident = hub.incident(for: failure, inbound: item.inbound, context: context, now: now) {
            outputs.append(OutgoingMessage(exchange: configuration.deliverExchange, routingKey: "bsi", message: incident, mandatory: true))
        }
        let outcomes = await output.publish(outputs)
        if case .failure(let error) = outcomes[0] {
            logger.error("could not publish the dead letter; the input will be redelivered", metadata: Self.metadata(context).merging(["router.error": "\(error)"]) { $1 })
            return nil
        }
        for (index, outcome) in outcomes.enumerated().dropFirst() {
            if case .failure(let error) = outcome {
                // The dead letter is safe; a receipt or incident that could not be delivered is logged.
                logger.warning("could not deliver a hub event", metadata: ["router.hub.event": "\(index == 1 ? "receipt" : "incident")", "router.error": "\(error)"])
            }
        }
        logger.warning("dead-lettered", metadata: Self.metadata(context).merging([
            "router.error.code": "\(failure.code)", "router.error.detail": "\(failure.detail)", "router.stage": "\(failure.stage.rawValue)",
        ]) { $1 })
        return record(item, context: context, now: now, outcome: .deadLettered(code: failure.code, stage: failure.stage.rawValue, reason: failure.reason))
    }

    private func record(_ item: InFlight.Item, context: MessageContext? = nil, now: Date, outcome: RoutingRecord.Outcome) -> RoutingRecord {
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

/// The confirm channel a worker publishes on; re-opened when the broker closed it.
final class OutputChannel: Sendable {
    private let connection: Connection
    private let channel: Mutex<Channel?>

    init(connection: Connection) {
        self.connection = connection
        channel = Mutex(nil)
    }

    private func current() async throws -> Channel {
        if let channel = channel.withLock({ $0 }) { return channel }
        let opened = try await connection.openChannel(publisherConfirms: true)
        channel.withLock { $0 = opened }
        return opened
    }

    func send(_ messages: [OutgoingMessage]) async -> PublishReceipt {
        do {
            return try await current().send(contentsOf: messages)
        } catch {
            return PublishReceipt(failing: messages.count, with: error as? AMQPError ?? AMQPError(.notConnected, context: "\(error)"))
        }
    }

    func publish(_ messages: [OutgoingMessage]) async -> [Result<Void, AMQPError>] {
        await send(messages).outcomes()
    }

    func reopen() async {
        let old = channel.withLock { channel -> Channel? in
            defer { channel = nil }
            return channel
        }
        try? await old?.close()
    }

    func close() async { await reopen() }
}

/// Ids delivered recently by this process, to skip the ledger lookup for the common duplicate
/// (a redelivery right after a reconnect). Bounded; the ledger stays the authority.
final class RecentlyDelivered: Sendable {
    private let state = Mutex<(set: Set<String>, order: [String], head: Int)>(([], [], 0))
    private let capacity: Int

    init(capacity: Int = 100_000) { self.capacity = capacity }

    func contains(_ id: String) -> Bool { state.withLock { $0.set.contains(id) } }

    func insert(_ id: String) {
        state.withLock { state in
            guard state.set.insert(id).inserted else { return }
            state.order.append(id)
            if state.order.count - state.head > capacity {
                state.set.remove(state.order[state.head])
                state.head += 1
                if state.head > capacity {
                    state.order.removeFirst(state.head)
                    state.head = 0
                }
            }
        }
    }
}

/// Deliveries between the consumer and the worker: the worker takes everything that arrived
/// since its last batch, so a burst is started as one batch.
final class ArrivalBuffer: Sendable {
    private struct State {
        var deliveries: [Delivery] = []
        var finished = false
        var error: (any Error)?
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    func append(_ delivery: Delivery) {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.deliveries.append(delivery)
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    /// No more deliveries; `next` returns what is left, then nil (or throws `error`).
    func finish(throwing error: (any Error)?) {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.finished = true
            state.error = error
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    /// Up to `limit` deliveries in arrival order, waiting for the first one.
    func next(limit: Int) async throws -> [Delivery]? {
        while true {
            enum Step { case batch([Delivery]), end, failed(any Error), wait }
            let step = state.withLock { state -> Step in
                if !state.deliveries.isEmpty {
                    let count = min(max(limit, 1), state.deliveries.count)
                    let batch = Array(state.deliveries.prefix(count))
                    state.deliveries.removeFirst(count)
                    return .batch(batch)
                }
                if state.finished { return state.error.map { .failed($0) } ?? .end }
                return .wait
            }
            switch step {
            case .batch(let batch): return batch
            case .end: return nil
            case .failed(let error): throw error
            case .wait:
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    let resumeNow = state.withLock { state -> Bool in
                        if !state.deliveries.isEmpty || state.finished { return true }
                        state.waiter = continuation
                        return false
                    }
                    if resumeNow { continuation.resume() }
                }
            }
        }
    }
}
