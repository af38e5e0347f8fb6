import AMQP
import Foundation
import Logging

/// Back-pressure before a transaction: the ledger's backlog, the queues' capacity, and the
/// incidents held back for the BSI.
extension ShardWorker {
    /// Waits while the ledger is too far behind (see ``RecordQueue``); the inputs meanwhile stay
    /// unacknowledged and the broker holds back the rest.
    func waitForLedger(logger: Logger) async {
        let started = ContinuousClock.now
        let waited = await unrecorded.waitForRoom {
            logger.warning("the ledger is behind; commits wait until it has written", metadata: ["router.ledger.backlog": "\(unrecorded.capacity)"])
        }
        if waited { logger.notice("the ledger caught up; commits go on", metadata: ["router.waited": "\(ContinuousClock.now - started)"]) }
    }

    /// Publishes the summaries of incidents held back in windows that have ended, in a
    /// transaction of their own (the BSI's inbox permitting).
    func reportHeldIncidents(now: Date, capacity: QueueCapacity, on channel: Channel, logger: Logger) async {
        let reports = incidents.due(now: now)
        guard !reports.isEmpty else { return }
        let messages = planner.incidentSummaries(reports, now: now, capacity: capacity)
        guard !messages.isEmpty else {
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
    func roomFor(_ items: [Item], logger: Logger) async throws -> QueueCapacity {
        var recipients: Set<String> = []
        var deadlines = false
        for item in items {
            if case .routed(let routed) = item.decision.kind {
                recipients.formUnion(routed.copies.map(\.recipient))
                deadlines = deadlines || routed.deadlines != nil
            }
            // The hub itself (deemed outcomes) has no inbox: nothing is sent back to it.
            if let sender = item.decision.context.sender, sender != HubEvents.hubSender { recipients.insert(sender) }
        }
        let queues = recipients.map(QueueCapacity.inbox(of:)) + [configuration.deadLetterQueue] + (deadlines ? [configuration.deadlines.queue] : [])
        var capacity = await self.capacity.knowing(queues)
        let mayDeadLetter = items.contains { if case .failed = $0.decision.kind { true } else { false } }
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
}
