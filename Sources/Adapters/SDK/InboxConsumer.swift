import AMQP
import CaseModel
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Consumes an agency's inbox (`inbox.<agency>`) and hands each event to an ``InboxHandler``:
/// the handler runs, then the message is acknowledged.
///
/// - A handler that throws is retried in-process with exponential backoff, up to
///   ``Configuration/maximumAttempts``; then the delivery is rejected (`basic.nack`, no
///   requeue), and the broker dead-letters it: the `inboxes` policy of
///   `deploy/rabbitmq/definitions.json` sends rejected inbox messages to `case.dead`
///   (at-least-once), whence they reach `dead.letters` and the dead-letter store, the original
///   byte for byte with an `x-death` entry (reason `rejected`, queue `inbox.<agency>`). An
///   undecodable delivery is rejected the same way, without retries.
///   Agencies have no write permission on `case.dead`, so the adapter cannot publish failure
///   context there: the handler's error is only in the adapter's log ("handler failed",
///   "rejected to the dead letters") and in ``Event/deadLettered(messageID:reason:)``.
///   A rejected message is not recorded as handled: if the rejection is lost with the
///   connection, the redelivery is tried again, and a later replay is handled.
/// - Message ids already handled (``HandledMessages``, persistent) are acknowledged without
///   calling the handler again: the consumer is idempotent.
/// - `message.rejected` receipts go to ``InboxHandler/onRejected(_:context:)``.
///
/// Messages are handled one at a time, in queue order. Graceful shutdown finishes the current
/// message; an unacknowledged one is redelivered later.
public final class InboxConsumer: Service, Sendable {
    public struct Configuration: Sendable {
        public var agency: AgencyID
        public var connection: ConnectionConfiguration
        /// The queue; `inbox.<agency>` by default.
        public var queue: String
        /// Unacknowledged deliveries the broker may send ahead.
        public var prefetch: UInt16
        /// Tries per message, the first included.
        public var maximumAttempts: Int
        /// Waits between tries of a failing handler.
        public var retryBackoff: Backoff
        /// Waits between connection attempts.
        public var connectBackoff: Backoff

        public init(
            agency: AgencyID, connection: ConnectionConfiguration, queue: String? = nil,
            prefetch: UInt16 = 16, maximumAttempts: Int = 5,
            retryBackoff: Backoff = Backoff(initial: .milliseconds(100), maximum: .seconds(5)),
            connectBackoff: Backoff = Backoff()
        ) {
            self.agency = agency
            self.connection = connection
            self.queue = queue ?? agency.inboxQueue
            self.prefetch = prefetch
            self.maximumAttempts = max(1, maximumAttempts)
            self.retryBackoff = retryBackoff
            self.connectBackoff = connectBackoff
        }
    }

    /// What the consumer did, for monitoring, tests and the demo.
    public enum Event: Sendable {
        case consuming
        case handled(messageID: String, type: String)
        case duplicate(messageID: String)
        case retrying(messageID: String, attempt: Int)
        /// Rejected for the broker to dead-letter; `reason` is the handler's error (not in the dead letter).
        case deadLettered(messageID: String, reason: String)
    }

    public let configuration: Configuration
    public let handled: HandledMessages
    private let handler: any InboxHandler
    private let logger: Logger
    private let notifications = Notifications<Event>()
    private let consuming = Atomic<Bool>(false)

    /// True while a consumer is attached to the inbox (for readiness checks).
    public var isConsuming: Bool { consuming.load(ordering: .relaxed) }

    public init(configuration: Configuration, handled: HandledMessages, handler: any InboxHandler, logger: Logger) {
        self.configuration = configuration
        self.handled = handled
        self.handler = handler
        var logger = logger
        logger[metadataKey: "adapter.agency"] = "\(configuration.agency)"
        self.logger = logger
    }

    /// What happens from now on.
    public func events() -> AsyncStream<Event> { notifications.subscribe() }

    public func run() async throws {
        defer { notifications.finish() }
        var connection: Connection?
        do {
            connection = try await cancelWhenGracefulShutdown {
                try await HubConnection.connect(self.configuration.connection, backoff: self.configuration.connectBackoff, logger: self.logger)
            }
        } catch is CancellationError {
            return
        }
        guard let connection else { return }
        var failures = 0
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                let input = try await connection.openChannel(publisherConfirms: false)
                try await input.setPrefetch(configuration.prefetch)
                let consumer = try await input.consume(queue: configuration.queue)
                logger.info("consuming", metadata: ["amqp.queue": "\(configuration.queue)"])
                consuming.store(true, ordering: .relaxed)
                notifications.yield(.consuming)
                failures = 0
                defer { consuming.store(false, ordering: .relaxed) }
                for try await delivery in consumer.cancelOnGracefulShutdown() {
                    await process(delivery)
                }
                try? await input.close()
            } catch {
                // The consumer was cancelled by the broker or its channel closed: start over.
                failures += 1
                logger.warning("inbox consumer interrupted; resuming", metadata: ["amqp.error": "\(error)"])
                let delay = configuration.connectBackoff.delay(afterAttempt: failures)
                do {
                    try await cancelWhenGracefulShutdown { try await Task.sleep(for: delay) }
                } catch {
                    break
                }
            }
        }
        await connection.close()
        logger.info("inbox consumer stopped")
    }

    /// Handle (with retries) or skip, then acknowledge; reject for dead-lettering when every try failed.
    private func process(_ delivery: Delivery) async {
        let properties = delivery.properties
        let messageID = properties.messageID ?? ""
        var metadata: Logger.Metadata = ["message.id": "\(messageID)", "message.type": "\(properties.type ?? "-")"]
        if !messageID.isEmpty && handled.contains(messageID) {
            logger.debug("duplicate ignored", metadata: metadata)
            acknowledge(delivery)
            notifications.yield(.duplicate(messageID: messageID))
            return
        }
        let event: CaseEvent
        do {
            guard !messageID.isEmpty else { throw AdapterError(.configuration, "the delivery has no message_id") }
            event = try CaseEvent.decode(delivery.body)
            metadata["case.id"] = "\(event.subject)"
        } catch {
            // Undecodable input fails the same way every time: no point in retrying.
            deadLetter(delivery, reason: "undecodable delivery: \(error)", attempts: 1)
            return
        }
        var context = DeliveryContext(
            messageID: messageID, sender: properties.headers?[HubHeader.sender]?.stringValue,
            projection: properties.headers?[HubHeader.projection]?.stringValue,
            redelivered: delivery.redelivered, attempt: 1)
        var lastError: (any Error)?
        for attempt in 1...configuration.maximumAttempts {
            context.attempt = attempt
            do {
                if let rejection = Rejection(receipt: event) {
                    try await handler.onRejected(rejection, context: context)
                } else {
                    try await handler.handle(event, context: context)
                }
                lastError = nil
                break
            } catch {
                lastError = error
                logger.warning("handler failed", metadata: metadata.merging(["adapter.attempt": "\(attempt)", "adapter.error": "\(error)"]) { $1 })
                guard attempt < configuration.maximumAttempts else { break }
                if Task.isShuttingDownGracefully {
                    // Leave it to the next run rather than delaying the shutdown.
                    requeue(delivery)
                    return
                }
                notifications.yield(.retrying(messageID: messageID, attempt: attempt + 1))
                try? await Task.sleep(for: configuration.retryBackoff.delay(afterAttempt: attempt))
            }
        }
        if let lastError {
            deadLetter(delivery, reason: "\(lastError)", attempts: configuration.maximumAttempts)
            return
        }
        do {
            try handled.insert(messageID)
        } catch {
            // Not recorded: a redelivery would be handled again, which handlers tolerate.
            logger.error("cannot record the handled message", metadata: metadata.merging(["adapter.error": "\(error)"]) { $1 })
        }
        acknowledge(delivery)
        logger.info("handled", metadata: metadata)
        notifications.yield(.handled(messageID: messageID, type: event.type))
    }

    /// Rejects the delivery without requeueing it, so the broker dead-letters it (the inbox
    /// queues' `dead-letter-exchange` is `case.dead`). The reason stays in the log and the
    /// event stream; the handled-message record is left alone, so a redelivery (a rejection
    /// lost with the connection) or a replay is tried again.
    private func deadLetter(_ delivery: Delivery, reason: String, attempts: Int) {
        let messageID = delivery.properties.messageID ?? ""
        let metadata: Logger.Metadata = [
            "message.id": "\(messageID)", "message.type": "\(delivery.properties.type ?? "-")", "adapter.attempts": "\(attempts)",
            "adapter.error": "\(reason.prefix(1000))",
        ]
        do {
            try delivery.nack(requeue: false)
        } catch {
            // A stale delivery (from before a reconnect): the broker redelivers it and it is tried again.
            logger.warning("rejection refused; the broker redelivers the message", metadata: metadata.merging(["amqp.error": "\(error)"]) { $1 })
            return
        }
        logger.error("rejected to the dead letters", metadata: metadata)
        notifications.yield(.deadLettered(messageID: messageID, reason: String(reason.prefix(1000))))
    }

    private func acknowledge(_ delivery: Delivery) {
        do { try delivery.ack() } catch {
            // A stale delivery (from before a reconnect): the broker redelivers it and the
            // record of handled ids skips it.
            logger.debug("acknowledgement refused", metadata: ["amqp.error": "\(error)"])
        }
    }

    private func requeue(_ delivery: Delivery) {
        do { try delivery.nack(requeue: true) } catch {
            logger.debug("requeue refused", metadata: ["amqp.error": "\(error)"])
        }
    }
}
