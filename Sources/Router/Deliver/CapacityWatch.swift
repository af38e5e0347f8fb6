import AMQP
import Foundation
import Logging

/// Looks at the depth of the queues the router writes to (passive `queue.declare` on a channel
/// of its own) and keeps a ``QueueCapacity``: once a second for every queue seen so far, and at
/// once for a queue the next transaction would write to for the first time.
actor CapacityWatch {
    private let connection: Connection
    private var channel: Channel?
    private var capacity: QueueCapacity
    private let logger: Logger
    /// Queues that did not exist when looked at, so they are not asked about again and again.
    private var missing: Set<String> = []

    init(connection: Connection, capacity: QueueCapacity, logger: Logger) {
        self.connection = connection
        self.capacity = capacity
        self.logger = logger
    }

    /// The depths as last seen.
    var current: QueueCapacity { capacity }

    /// Looks at those of `queues` never looked at; returns the capacity then.
    func knowing(_ queues: some Sequence<String> & Sendable) async -> QueueCapacity {
        let unknown = capacity.unknown(queues).filter { !missing.contains($0) }
        if !unknown.isEmpty { await look(at: unknown) }
        return capacity
    }

    /// Looks at every queue seen so far (and the dead letters) once a second until cancelled.
    func watch(every interval: Duration = .seconds(1)) async {
        while !Task.isCancelled {
            await look(at: Array(capacity.depths.keys) + [capacity.deadLetterQueue])
            try? await Task.sleep(for: interval)
        }
    }

    private func look(at queues: [String]) async {
        for queue in Set(queues) {
            do {
                let open: Channel
                if let channel { open = channel } else {
                    open = try await connection.openChannel(publisherConfirms: false)
                    channel = open
                }
                let state = try await open.inspectQueue(queue)
                let before = capacity.isFull(recipient: String(queue.dropFirst("inbox.".count)))
                capacity.record(queue, depth: Int(state.messageCount))
                missing.remove(queue)
                let after = capacity.isFull(recipient: String(queue.dropFirst("inbox.".count)))
                if queue.hasPrefix("inbox."), before != after {
                    logger.warning(after ? "an inbox is full: copies for it are retried, not published" : "an inbox has room again", metadata: [
                        "amqp.queue": "\(queue)", "router.queue.depth": "\(state.messageCount)",
                    ])
                }
            } catch let error as AMQPError where error.replyCode == 404 {
                // No such queue: a copy for it is returned as unroutable on commit.
                missing.insert(queue)
                channel = nil
            } catch {
                // Not known now: the next look tries again; the copies meanwhile count on the last reading.
                logger.debug("cannot look at a queue's depth", metadata: ["amqp.queue": "\(queue)", "router.error": "\(error)"])
                channel = nil
            }
        }
    }
}
