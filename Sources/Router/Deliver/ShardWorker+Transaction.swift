import AMQP
import Foundation
import Logging
import Store

extension ShardWorker {
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
    func finish(_ planned: [Planned], on channel: Channel, now: Date, logger: Logger) async throws -> [RoutingRecord] {
        let (committed, returned) = try await commit(planned, on: channel, logger: logger)
        var records: [RoutingRecord] = []
        var unroutable: [Planned] = []
        let returnedByID = Dictionary(grouping: returned) { $0.message.properties.messageID ?? "" }
        for entry in committed {
            if case .routed(let routed) = entry.item.decision.kind, let back = returnedByID[entry.plan.context.messageID ?? ""], !back.isEmpty {
                // RabbitMQ returns unroutable copies on commit, after the input was acknowledged
                // with it: the dead letter follows in a transaction of its own.
                let recipients = Set(back.map(\.routingKey))
                let failure = RouterFailure.unroutable("route.no-inbox", "No inbox exists for \(recipients.sorted().joined(separator: ", ")).")
                let decision = entry.item.decision.with(kind: entry.item.decision.kind, context: routed.context)
                unroutable.append(Planned(item: entry.item, plan: planner.plan(
                    failed: decision, failure, pending: routed.copies.map(\.recipient).filter(recipients.contains).sorted(), now: now,
                    capacity: await capacity.current, incidents: admitIncident(now: now))))
                continue
            }
            account(entry, logger: logger)
            if let record = entry.plan.record { records.append(record) }
        }
        // Anything else returned is a message of the hub's own (a dead letter, receipt, retry or
        // incident) for which no queue is bound: a broken topology, which only an operator can mend.
        let unroutableIDs = Set(unroutable.compactMap(\.plan.context.messageID))
        for message in returned where !(message.exchange == configuration.deliverExchange && unroutableIDs.contains(message.message.properties.messageID ?? "")) {
            logger.error("the broker returned a message of the router: no queue is bound for it", metadata: [
                "amqp.exchange": "\(message.exchange)", "amqp.routing_key": "\(message.routingKey)", "amqp.reply": "\(message.replyCode) \(message.replyText)",
                "message.id": "\(message.message.properties.messageID ?? "none")", "message.type": "\(message.message.properties.type ?? "none")",
            ])
        }
        if !unroutable.isEmpty {
            do {
                _ = try await channel.commit(publishing: unroutable.flatMap(\.plan.outputs), acknowledging: [])
                for entry in unroutable {
                    account(entry, logger: logger)
                    if let record = entry.plan.record { records.append(record) }
                }
            } catch {
                for entry in unroutable {
                    logger.error("could not dead-letter an unroutable copy", metadata: Self.metadata(entry.plan.context).merging(["router.error": "\(error)"]) { $1 })
                }
            }
        }
        return records
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
                let returned = try await channel.commit(publishing: planned.flatMap(\.plan.outputs), acknowledging: planned.map(\.item.delivery))
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
}
